import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption'
import { describe, expect, it } from 'vitest'
import { ageRecipientProblem, MAX_BUNDLE_RECIPIENTS, parseRecipientLines } from '../../src/shared/age-recipient'

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'

/** What age-encryption itself accepts as an X25519 recipient. */
function ageAccepts(recipient: string): boolean {
  try {
    new Encrypter().addRecipient(recipient)
    return true
  } catch {
    return false
  }
}

describe('age recipient check (export wizard, live)', () => {
  it('accepts real recipients made by age-encryption', async () => {
    for (let i = 0; i < 20; i++) {
      const recipient = await identityToRecipient(await generateX25519Identity())
      expect(ageRecipientProblem(recipient)).toBeNull()
      expect(ageRecipientProblem(`  ${recipient}  `)).toBeNull()
    }
  })

  it('refuses every one-character change that age-encryption refuses too', async () => {
    const recipient = await identityToRecipient(await generateX25519Identity())
    let refused = 0
    for (let i = 4; i < recipient.length; i++) {
      for (const c of CHARSET) {
        if (c === recipient[i]) continue
        const changed = recipient.slice(0, i) + c + recipient.slice(i + 1)
        const problem = ageRecipientProblem(changed)
        // Bech32 detects every single substitution.
        expect(problem, changed).not.toBeNull()
        expect(ageAccepts(changed)).toBe(false)
        refused++
      }
    }
    expect(refused).toBe(58 * 31)
  })

  it('says what is wrong, in words', async () => {
    const recipient = await identityToRecipient(await generateX25519Identity())
    const identity = await generateX25519Identity()
    expect(ageRecipientProblem(identity)).toMatch(/identity \(a secret key\), not a recipient/)
    expect(ageRecipientProblem('ssh-ed25519 AAAA')).toMatch(/starts with “age1”/)
    expect(ageRecipientProblem(recipient.toUpperCase())).toMatch(/lower case/)
    expect(ageRecipientProblem(recipient.slice(0, -1))).toMatch(/58 more characters; this one has 57/)
    expect(ageRecipientProblem(recipient.slice(0, 10) + 'b' + recipient.slice(11))).toMatch(/“b” is not a Bech32 character/)
    const swapped = recipient.slice(0, 10) + recipient[11] + recipient[10] + recipient.slice(12)
    if (swapped !== recipient) expect(ageRecipientProblem(swapped)).toMatch(/checksum/)
  })

  it('reads one recipient per line with line numbers, comments, blanks and duplicates', async () => {
    const a = await identityToRecipient(await generateX25519Identity())
    const b = await identityToRecipient(await generateX25519Identity())
    const parsed = parseRecipientLines(`# integrator\n${a}\n\nage1nope\n${b}\r\n${a}\n`)
    expect(parsed.recipients).toEqual([a, b])
    expect(parsed.problems.map((p) => [p.line, p.problem])).toEqual([
      [4, expect.stringMatching(/this one has 4/)],
      [6, 'The same recipient as line 2.'],
    ])
  })

  it(`refuses more than ${MAX_BUNDLE_RECIPIENTS} recipients`, async () => {
    const many = await Promise.all(Array.from({ length: MAX_BUNDLE_RECIPIENTS + 1 }, async () => identityToRecipient(await generateX25519Identity())))
    const parsed = parseRecipientLines(many.join('\n'))
    expect(parsed.problems).toHaveLength(1)
    expect(parsed.problems[0]!.problem).toMatch(/At most 20 recipients/)
    expect(parseRecipientLines(many.slice(1).join('\n')).problems).toEqual([])
  })
})
