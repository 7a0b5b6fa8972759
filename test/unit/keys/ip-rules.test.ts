import { BlockList } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileIpRules, formatAddress, ipAllowed, normalizeIpRules, parseAddress, parseIpRule } from '../../../src/shared/ip-rules'

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'))
const v6 = fc.ipV6()

/** Node's own BlockList is the reference implementation for plain (unmapped) rules. */
function reference(rule: { address: string; prefix: number; type: 'ipv4' | 'ipv6' }, ip: string, type: 'ipv4' | 'ipv6') {
  const list = new BlockList()
  list.addSubnet(rule.address, rule.prefix, rule.type)
  return list.check(ip, type)
}

describe('IP rules (shared, pure)', () => {
  it('accepts and canonicalises addresses and ranges', () => {
    expect(normalizeIpRules(['10.0.0.1', ' 10.0.0.0/8 ', '2001:DB8:0:0:0:0:0:1', '2001:db8::/32', '::ffff:192.168.1.7', '::ffff:10.0.0.0/104', '1.2.3.4/32', '::1/128', '0.0.0.0/0', '::/0'])).toEqual({
      ok: true,
      rules: ['10.0.0.1', '10.0.0.0/8', '2001:db8::1', '2001:db8::/32', '192.168.1.7', '1.2.3.4', '::1', '0.0.0.0/0', '::/0'],
    })
    // ::ffff:10.0.0.0/104 is 10.0.0.0/8 written in mapped form, so it folds into it
  })

  it('folds duplicates after normalising', () => {
    expect(normalizeIpRules(['10.0.0.1', '10.0.0.1', '::ffff:10.0.0.1', '10.0.0.1/32', '2001:db8::1', '2001:0db8:0000::0001'])).toEqual({ ok: true, rules: ['10.0.0.1', '2001:db8::1'] })
  })

  it.each([
    ['', 'empty'],
    ['10.0.0', 'not an IPv4 or IPv6'],
    ['256.1.1.1', 'not an IPv4 or IPv6'],
    ['010.0.0.1', 'not an IPv4 or IPv6'],
    ['1.2.3.4/33', 'at most 32'],
    ['1.2.3.4/-1', 'must be a number'],
    ['1.2.3.4/', 'must be a number'],
    ['10.0.0.1/8', 'did you mean 10.0.0.0/8'],
    ['2001:db8::1/32', 'did you mean 2001:db8::/32'],
    ['2001:db8::/129', 'at most 128'],
    ['1:2:3:4:5:6:7:8:9', 'not an IPv4 or IPv6'],
    ['1::2::3', 'not an IPv4 or IPv6'],
    ['fe80::1%eth0', 'zone ids'],
    ['[::1]', 'brackets'],
    ['example.com', 'not an IPv4 or IPv6'],
    ['::ffff:10.0.0.0/64', 'host bits'],
  ])('refuses %j naming the entry (%s)', (entry, reason) => {
    const result = normalizeIpRules(['10.0.0.1', entry])
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.index).toBe(1)
      expect(result.entry).toBe(entry)
      expect(result.reason).toContain(reason)
    }
  })

  it('parses every IPv4 and IPv6 address and prints it back canonically (round trip)', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6), (ip) => {
        const parsed = parseAddress(ip)
        expect(parsed).toBeDefined()
        const again = parseAddress(formatAddress(parsed!.version, parsed!.value))
        expect(again).toEqual(parsed)
      }),
      { numRuns: 5000 },
    )
  })

  it('matches IPv4 CIDR ranges like node:net BlockList', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, fc.boolean(), (base, prefix, other, near) => {
        const mask = prefix === 0 ? 0n : 0xffffffffn ^ ((1n << BigInt(32 - prefix)) - 1n)
        const network = formatAddress(4, parseAddress(base)!.value & mask)
        const rule = parseIpRule(`${network}/${prefix}`)
        if (!rule.ok) throw new Error(rule.reason)
        const rules = compileIpRules([rule.canonical])
        // half of the probes lie inside the range, half anywhere
        const ip = near ? formatAddress(4, (parseAddress(network)!.value & mask) | (parseAddress(other)!.value & ~mask & 0xffffffffn)) : other
        expect(ipAllowed(rules, ip)).toBe(reference({ address: network, prefix, type: 'ipv4' }, ip, 'ipv4'))
        // the IPv4-mapped form of the same request address is the same host
        expect(ipAllowed(rules, `::ffff:${ip}`)).toBe(ipAllowed(rules, ip))
      }),
      { numRuns: 5000 },
    )
  })

  it('matches IPv6 CIDR ranges like node:net BlockList', () => {
    fc.assert(
      fc.property(v6, fc.integer({ min: 0, max: 128 }), v6, fc.boolean(), (base, prefix, other, near) => {
        const parsed = parseAddress(base)!
        fc.pre(parsed.version === 6)
        const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n)
        const network = formatAddress(6, parsed.value & mask)
        const rule = parseIpRule(`${network}/${prefix}`)
        if (!rule.ok) throw new Error(rule.reason)
        const rules = compileIpRules([rule.canonical])
        // half of the probes lie inside the range, half anywhere
        const probe = near ? formatAddress(6, (parsed.value & mask) | (parseAddress(other)!.value & ~mask & ((1n << 128n) - 1n))) : other
        const probeParsed = parseAddress(probe)!
        fc.pre(probeParsed.version === 6)
        expect(ipAllowed(rules, probe)).toBe(reference({ address: network, prefix, type: 'ipv6' }, probe, 'ipv6'))
      }),
      { numRuns: 5000 },
    )
  })

  it('treats IPv4-mapped IPv6 rules and addresses as the IPv4 host', () => {
    expect(parseIpRule('::ffff:192.168.0.0/112')).toMatchObject({ ok: true, canonical: '192.168.0.0/16' })
    const rules = compileIpRules(['192.168.0.0/16'])
    expect(ipAllowed(rules, '192.168.3.4')).toBe(true)
    expect(ipAllowed(rules, '::ffff:192.168.3.4')).toBe(true)
    expect(ipAllowed(rules, '::ffff:c0a8:0304')).toBe(true)
    expect(ipAllowed(rules, '192.169.0.1')).toBe(false)
    // an IPv6 rule covering the mapped block covers IPv4 hosts too
    expect(ipAllowed(compileIpRules(['::/0']), '8.8.8.8')).toBe(true)
    expect(ipAllowed(compileIpRules(['2001:db8::/32']), '8.8.8.8')).toBe(false)
  })

  it('allows everything without rules and fails closed with rules but no usable address', () => {
    expect(ipAllowed(compileIpRules([]), undefined)).toBe(true)
    expect(ipAllowed(compileIpRules([]), 'garbage')).toBe(true)
    const rules = compileIpRules(['10.0.0.0/8'])
    expect(ipAllowed(rules, undefined)).toBe(false)
    expect(ipAllowed(rules, 'garbage')).toBe(false)
    expect(ipAllowed(rules, '10.1.2.3')).toBe(true)
  })

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const r = parseIpRule(s)
        expect(typeof r.ok).toBe('boolean')
        expect(typeof ipAllowed(compileIpRules(['10.0.0.0/8', '2001:db8::/32']), s)).toBe('boolean')
      }),
      { numRuns: 5000 },
    )
  })
})
