/**
 * Allowed-IP rules of an API key (seeds 001, 002): an empty list allows every address;
 * otherwise each entry is an IPv4 or IPv6 address or a CIDR range. Pure (no Node APIs), so
 * the UI validates inline exactly as the core does.
 *
 * An IPv4 address and its IPv4-mapped IPv6 form (::ffff:a.b.c.d) are the same host: mapped
 * entries are stored in IPv4 form, and a mapped request address is matched as IPv4.
 */

export interface ParsedAddress {
  version: 4 | 6
  value: bigint
}

export interface IpRule {
  version: 4 | 6
  network: bigint
  prefix: number
}

export type IpRuleParse = { ok: true; rule: IpRule; canonical: string } | { ok: false; reason: string }
export type IpRulesResult = { ok: true; rules: string[] } | { ok: false; entry: string; index: number; reason: string }

export const MAX_IP_RULES = 256

const BITS = { 4: 32, 6: 128 } as const
const MAPPED_PREFIX = 0xffffn << 32n
const V4_DECIMAL = /^(0|[1-9]\d{0,2})$/
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let value = 0n
  for (const part of parts) {
    // leading zeros are refused: some stacks read them as octal, so "010" is ambiguous
    if (!V4_DECIMAL.test(part)) return undefined
    const n = Number(part)
    if (n > 255) return undefined
    value = (value << 8n) | BigInt(n)
  }
  return value
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groupsOf = (half: string): number[] | undefined => {
    if (half === '') return []
    const parts = half.split(':')
    const out: number[] = []
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseV4(part)
        if (v4 === undefined) return undefined
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn))
      } else if (HEX_GROUP.test(part)) {
        out.push(parseInt(part, 16))
      } else {
        return undefined
      }
    }
    return out
  }
  const head = groupsOf(halves[0]!)
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : []
  if (!head || !tail) return undefined
  // a dotted IPv4 tail may only end the address
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)
}

/** Parses one address; IPv4-mapped IPv6 comes back as IPv4. Undefined when not an address. */
export function parseAddress(text: string): ParsedAddress | undefined {
  if (text.includes(':')) {
    const value = parseV6(text)
    if (value === undefined) return undefined
    if (value >> 32n === 0xffffn) return { version: 4, value: value & 0xffffffffn }
    return { version: 6, value }
  }
  const value = parseV4(text)
  return value === undefined ? undefined : { version: 4, value }
}

export function formatAddress(version: 4 | 6, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.')
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn))
  // RFC 5952: compress the longest run (≥ 2) of zero groups, the first one on a tie
  let best = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      best = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(':')
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`
}

const maskOf = (version: 4 | 6, prefix: number): bigint => {
  const bits = BigInt(BITS[version])
  return prefix === 0 ? 0n : ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n)
}

/** One entry: an address or `address/prefix`; returns its canonical text or why it is wrong. */
export function parseIpRule(raw: string): IpRuleParse {
  const entry = raw.trim()
  if (entry === '') return { ok: false, reason: 'the entry is empty' }
  if (entry.includes('%')) return { ok: false, reason: 'zone ids (the "%" part) are not allowed' }
  if (entry.startsWith('[')) return { ok: false, reason: 'write IPv6 addresses without brackets' }
  const slash = entry.indexOf('/')
  const addressText = slash < 0 ? entry : entry.slice(0, slash)
  let address = parseAddress(addressText)
  if (!address) return { ok: false, reason: 'it is not an IPv4 or IPv6 address' }
  let prefix: number = BITS[address.version]
  if (slash >= 0) {
    const prefixText = entry.slice(slash + 1)
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return { ok: false, reason: 'the prefix length after "/" must be a number' }
    let given = Number(prefixText)
    const writtenV6 = addressText.includes(':')
    if (writtenV6 && address.version === 4) {
      // ::ffff:a.b.c.d/n — an IPv4 range written in mapped form
      if (given > 128) return { ok: false, reason: 'an IPv6 prefix length is at most 128' }
      // shorter than /96 it is an IPv6 range after all (and the host-bit check below says why not)
      if (given < 96) address = { version: 6, value: MAPPED_PREFIX | address.value }
      else given -= 96
    } else if (given > BITS[address.version]) {
      return { ok: false, reason: `an IPv${address.version} prefix length is at most ${BITS[address.version]}` }
    }
    prefix = given
  }
  const mask = maskOf(address.version, prefix)
  if ((address.value & mask) !== address.value) {
    const network = formatAddress(address.version, address.value & mask)
    return { ok: false, reason: `it has host bits set; did you mean ${network}/${prefix}?` }
  }
  const text = formatAddress(address.version, address.value)
  const canonical = prefix === BITS[address.version] ? text : `${text}/${prefix}`
  return { ok: true, rule: { version: address.version, network: address.value, prefix }, canonical }
}

/** Validates a whole list: the first bad entry is named; duplicates (after normalising) fold. */
export function normalizeIpRules(entries: readonly string[]): IpRulesResult {
  if (entries.length > MAX_IP_RULES) return { ok: false, entry: '', index: MAX_IP_RULES, reason: `at most ${MAX_IP_RULES} entries are allowed` }
  const out: string[] = []
  const seen = new Set<string>()
  for (let i = 0; i < entries.length; i++) {
    const parsed = parseIpRule(entries[i]!)
    if (!parsed.ok) return { ok: false, entry: entries[i]!.slice(0, 100), index: i, reason: parsed.reason }
    if (!seen.has(parsed.canonical)) {
      seen.add(parsed.canonical)
      out.push(parsed.canonical)
    }
  }
  return { ok: true, rules: out }
}

/** Rules ready for matching; undefined means "every address". */
export type CompiledIpRules = { v4: { network: bigint; mask: bigint }[]; v6: { network: bigint; mask: bigint }[] } | undefined

export function compileIpRules(canonical: readonly string[]): CompiledIpRules {
  if (canonical.length === 0) return undefined
  const compiled = { v4: [] as { network: bigint; mask: bigint }[], v6: [] as { network: bigint; mask: bigint }[] }
  for (const text of canonical) {
    const parsed = parseIpRule(text)
    if (!parsed.ok) throw new RangeError(`stored IP rule is invalid: ${parsed.reason}`)
    const { version, network, prefix } = parsed.rule
    compiled[version === 4 ? 'v4' : 'v6'].push({ network, mask: maskOf(version, prefix) })
  }
  return compiled
}

/**
 * Whether `ip` may use a key with these rules. No rules: every address. With rules, a
 * missing or unparsable address is refused (fail closed). An IPv4 address is also tried in
 * its mapped IPv6 form, so a rule like ::/0 covers it.
 */
export function ipAllowed(rules: CompiledIpRules, ip: string | undefined): boolean {
  if (!rules) return true
  if (ip === undefined) return false
  const address = parseAddress(ip.trim())
  if (!address) return false
  if (address.version === 4) {
    for (const r of rules.v4) if ((address.value & r.mask) === r.network) return true
    const mapped = MAPPED_PREFIX | address.value
    for (const r of rules.v6) if ((mapped & r.mask) === r.network) return true
    return false
  }
  for (const r of rules.v6) if ((address.value & r.mask) === r.network) return true
  return false
}
