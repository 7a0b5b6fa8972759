import type { AuditReport, Finding } from '../../shared/contract/audit'
import type { Signer } from '../../shared/contract/installation'

/**
 * The report as one self-contained HTML page: inline CSS, no scripts, no external
 * resources, laid out for A4/Letter printing. Every value is escaped.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const CSS = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --line: #d9dee5; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; padding: 32px; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card b { display: block; font-size: 20px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.sev { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.sev-critical { background: #b3261e; } .sev-high { background: #d3541f; } .sev-medium { background: #b7860b; }
.sev-low { background: #3d6fb6; } .sev-info { background: #6b7280; }
.ok { color: #1b7f3b; font-weight: 600; } .bad { color: #b3261e; font-weight: 600; }
code, .mono { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
table.inventory { width: auto; min-width: 320px; }
table.inventory td:last-child { text-align: right; font-variant-numeric: tabular-nums; padding-left: 32px; }
.fix { color: var(--muted); }
.route { font-size: 12px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  body { padding: 0; max-width: none; font-size: 11pt; }
  @page { size: A4; margin: 16mm; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  .sev { color: #000; background: none !important; border: 1px solid #000; }
  a { color: inherit; text-decoration: none; }
}
`

const row = (f: Finding) => `<tr>
<td><span class="sev sev-${f.severity}">${escapeHtml(f.severity)}</span></td>
<td><strong>${escapeHtml(f.title)}</strong><br>${escapeHtml(f.detail)}<br><span class="mono">${escapeHtml(f.id)} · ${escapeHtml(f.kind)} · ${escapeHtml(f.entity)}${f.entityId ? ` ${escapeHtml(f.entityId)}` : ''}</span></td>
<td class="fix">${escapeHtml(f.fix.text)}${f.fix.route ? `<br><span class="route">In Keyward: <code>${escapeHtml(f.fix.route)}</code></span>` : ''}</td>
</tr>`

const INVENTORY_LABELS: Record<string, string> = {
  regions: 'Regions',
  servers: 'Servers',
  collections: 'Collections',
  clients: 'Clients',
  licences: 'Master licences',
  apiKeys: 'API keys (not revoked)',
  serviceUsers: 'Service users',
  auditEntries: 'Audit log entries',
}

export function renderReportHtml(report: AuditReport, signer: Signer): string {
  const chain = report.auditChain.ok
    ? `<span class="ok">Intact</span> — ${report.auditChain.entries} entries, last hash <code>${escapeHtml(report.auditChain.lastHash)}</code>`
    : `<span class="bad">Broken at entry ${report.auditChain.firstBrokenSeq}</span> — ${escapeHtml(report.auditChain.reason)}`
  const cards = (['critical', 'high', 'medium', 'low', 'info'] as const)
    .map((sev) => `<div class="card"><b>${report.summary.bySeverity[sev] ?? 0}</b><span class="sev sev-${sev}">${sev}</span></div>`)
    .join('\n')
  const inventory = Object.entries(report.inventory)
    .map(([k, v]) => `<tr><td>${escapeHtml(INVENTORY_LABELS[k] ?? k)}</td><td>${v}</td></tr>`)
    .join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyward audit report — ${escapeHtml(report.generatedAt)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>Keyward audit report</h1>
<p class="meta">Generated ${escapeHtml(report.generatedAt)} by installation <code>${escapeHtml(report.installationId)}</code>.
Expiry window ${report.options.expiringWithinDays} days; unused after ${report.options.unusedForDays} days.</p>
<div class="cards">
${cards}
</div>
<h2>Audit log</h2>
<p>${chain}</p>
<h2>Findings (${report.summary.total})</h2>
<table>
<thead><tr><th>Severity</th><th>Finding</th><th>How to fix</th></tr></thead>
<tbody>
${report.findings.map(row).join('\n')}
</tbody>
</table>
<h2>Scope</h2>
<p>Checks that ran: ${report.checks.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')}.</p>
<table class="inventory"><tbody>
${inventory}
</tbody></table>
<footer>Signed with Ed25519 by the key with fingerprint <code>${escapeHtml(signer.fingerprint)}</code>.
Check it offline with <code>keyward audit verify &lt;this file&gt;</code>; any change to this file makes the check fail.</footer>
</body>
</html>
`
}
