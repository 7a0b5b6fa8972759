import { appendAudit } from '../audit/audit-log'
import type { CallContext, Handlers } from '../dispatcher'
import type { CoreDeps } from './deps'

type VaultHandlers = Pick<
  Handlers,
  'vault.status' | 'vault.setup' | 'vault.unlock' | 'vault.unlockWithKeychain' | 'vault.lock' | 'vault.setKeychain' | 'vault.changePassphrase'
>

export function vaultHandlers(d: CoreDeps): VaultHandlers {
  const audited = (ctx: CallContext, action: string, details: Record<string, unknown> = {}) =>
    appendAudit(d.session(), { actor: ctx.actor, action, entity: 'vault', details: { ...details, transport: ctx.transport } })
  return {
    'vault.status': () => d.status(),
    'vault.setup': async ({ passphrase, useKeychain }, ctx) => {
      await d.vault.setup(passphrase, useKeychain)
      const status = await d.opened()
      audited(ctx, 'vault.setup', { keychain: useKeychain })
      return status
    },
    'vault.unlock': async ({ passphrase }, ctx) => {
      await d.vault.unlock(passphrase)
      const status = await d.opened()
      audited(ctx, 'vault.unlock', { with: 'passphrase' })
      return status
    },
    'vault.unlockWithKeychain': async (_input, ctx) => {
      await d.vault.unlockWithKeychain()
      const status = await d.opened()
      audited(ctx, 'vault.unlock', { with: 'keychain' })
      return status
    },
    'vault.lock': (_input, ctx) => d.lock('manual', ctx.actor),
    'vault.setKeychain': async ({ enabled }, ctx) => {
      await d.vault.setKeychain(enabled)
      audited(ctx, 'vault.keychain', { enabled })
      return d.changed()
    },
    'vault.changePassphrase': async ({ current, next }, ctx) => {
      await d.vault.changePassphrase(current, next)
      audited(ctx, 'vault.changePassphrase')
      return d.changed()
    },
  }
}
