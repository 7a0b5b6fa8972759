import { z } from 'zod'

/** Client tiers of seed 000 and the number of master licences each allows. */
export const TIER_LICENCE_LIMITS = { blue: 1, gold: 2, platinum: 3 } as const
export const Tier = z.enum(['blue', 'gold', 'platinum'])
export type Tier = z.infer<typeof Tier>
export const TIER_LABELS: Record<Tier, string> = { blue: 'Blue', gold: 'Gold', platinum: 'Platinum' }

export const licenceLimit = (tier: Tier): number => TIER_LICENCE_LIMITS[tier]
