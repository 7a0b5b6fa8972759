import { createHash } from 'node:crypto'
import { z } from 'zod'
import { AuditReport, type ReportFormat } from '../../shared/contract/audit'
import { Signer } from '../../shared/contract/installation'
import { KeywardError } from '../../shared/errors'
import { canonicalBytes, canonicalPrettyJson, sameFingerprint, signerPublicKey, verifyBytes, type SigningKey } from '../signing/signature'
import { renderReportCsv } from './render-csv'
import { renderReportHtml } from './render-html'

/**
 * How each report format carries its Ed25519 signature, and how it is checked offline:
 * - JSON: `{ report, signature, signer }`; the signature covers the canonical JSON of
 *   `report`, and the file must be exactly the canonical pretty form, so no byte of it can
 *   change unnoticed (whitespace included).
 * - HTML: the last line is `<!-- keyward-signature {...} -->`; the signature covers every
 *   byte before that line.
 * - CSV: a detached `<file>.sig` (JSON) whose signature covers every byte of the CSV.
 */
export interface SignedReportFile {
  format: ReportFormat
  fileName: string
  mediaType: string
  content: string
  sha256: string
  signatureFile: { fileName: string; content: string } | null
}

const HTML_TRAILER_START = '<!-- keyward-signature '
const HTML_TRAILER_END = ' -->\n'

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

const DetachedSignature = z.strictObject({
  format: z.literal('keyward-detached-signature'),
  fileName: z.string(),
  sha256: z.string(),
  signature: z.string(),
  signer: Signer,
})

const HtmlTrailer = z.strictObject({ signature: z.string(), signer: Signer })

const JsonEnvelope = z.strictObject({ report: z.record(z.string(), z.unknown()), signature: z.string(), signer: Signer })

export function signReportFiles(report: AuditReport, key: SigningKey, formats: ReportFormat[]): SignedReportFile[] {
  const base = `keyward-audit-${report.generatedAt.replace(/[:.]/g, '-')}`
  const files: SignedReportFile[] = []
  for (const format of new Set(formats)) {
    if (format === 'json') {
      const content = canonicalPrettyJson({ report, signature: key.sign(canonicalBytes(report)), signer: key.signer })
      files.push({ format, fileName: `${base}.json`, mediaType: 'application/json', content, sha256: sha256(content), signatureFile: null })
    } else if (format === 'html') {
      const body = renderReportHtml(report, key.signer)
      const trailer = `${HTML_TRAILER_START}${JSON.stringify({ signature: key.sign(body), signer: key.signer })}${HTML_TRAILER_END}`
      const content = body + trailer
      files.push({ format, fileName: `${base}.html`, mediaType: 'text/html; charset=utf-8', content, sha256: sha256(content), signatureFile: null })
    } else {
      const content = renderReportCsv(report)
      const fileName = `${base}.csv`
      const sig = canonicalPrettyJson({ format: 'keyward-detached-signature', fileName, sha256: sha256(content), signature: key.sign(content), signer: key.signer })
      files.push({ format, fileName, mediaType: 'text/csv; charset=utf-8', content, sha256: sha256(content), signatureFile: { fileName: `${fileName}.sig`, content: sig } })
    }
  }
  return files
}

export interface ReportCheckInput {
  fileName: string
  content: string
  signature?: string
  expectSigner?: string
}

export function detectReportFormat(fileName: string, content: string): ReportFormat {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase()
  if (ext === 'json') return 'json'
  if (ext === 'html' || ext === 'htm') return 'html'
  if (ext === 'csv') return 'csv'
  const start = content.trimStart().slice(0, 16).toLowerCase()
  if (start.startsWith('{')) return 'json'
  if (start.startsWith('<!doctype') || start.startsWith('<html')) return 'html'
  return 'csv'
}

const badSignature = (what: string) => new KeywardError('REPORT_BAD_SIGNATURE', `${what} The report was changed after it was signed, or was not signed by the key it names.`)

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new KeywardError('REPORT_MALFORMED', `${what} is not valid JSON.`)
  }
}

function checkSigner(signer: Signer, expectSigner: string | undefined): void {
  if (!signerPublicKey(signer)) {
    throw badSignature('The fingerprint written in the signature does not belong to its public key.')
  }
  if (expectSigner !== undefined && !sameFingerprint(signer.fingerprint, expectSigner)) {
    throw new KeywardError('REPORT_WRONG_SIGNER', `The report is signed correctly, but by the key ${signer.fingerprint}, not by the expected one.`)
  }
}

/** Checks a report file offline; throws a coded error naming what is wrong. */
export function verifyReportFile(input: ReportCheckInput): { valid: true; format: ReportFormat; signer: Signer; sha256: string } {
  const format = detectReportFormat(input.fileName, input.content)
  const { content } = input
  let signer: Signer
  if (format === 'json') {
    const parsed = parseJson(content, 'The report')
    if (parsed === null || typeof parsed !== 'object' || !('signature' in parsed)) {
      throw new KeywardError('REPORT_UNSIGNED', 'This JSON file carries no Keyward signature.')
    }
    const envelope = JsonEnvelope.safeParse(parsed)
    if (!envelope.success) throw new KeywardError('REPORT_MALFORMED', 'The JSON report does not have the shape of a signed Keyward report ({ report, signature, signer }).')
    signer = envelope.data.signer
    checkSigner(signer, undefined)
    if (canonicalPrettyJson(envelope.data) !== content) throw badSignature('The file is not byte for byte the form Keyward signed.')
    if (!verifyBytes(signer.publicKey, canonicalBytes(envelope.data.report), envelope.data.signature)) throw badSignature('The signature does not match the report.')
    if (!AuditReport.safeParse(envelope.data.report).success) throw new KeywardError('REPORT_MALFORMED', 'The signed content is not a Keyward audit report.')
  } else if (format === 'html') {
    if (!content.endsWith(HTML_TRAILER_END)) throw new KeywardError('REPORT_UNSIGNED', 'This HTML file does not end with a Keyward signature.')
    const start = content.lastIndexOf(`\n${HTML_TRAILER_START}`)
    if (start < 0) throw new KeywardError('REPORT_UNSIGNED', 'This HTML file does not end with a Keyward signature.')
    const body = content.slice(0, start + 1)
    const trailerJson = content.slice(start + 1 + HTML_TRAILER_START.length, content.length - HTML_TRAILER_END.length)
    const trailer = HtmlTrailer.safeParse(parseJson(trailerJson, 'The signature line'))
    if (!trailer.success) throw new KeywardError('REPORT_MALFORMED', 'The signature line of this HTML report is damaged.')
    signer = trailer.data.signer
    checkSigner(signer, undefined)
    if (!verifyBytes(signer.publicKey, body, trailer.data.signature)) throw badSignature('The signature does not match the page.')
  } else {
    if (input.signature === undefined) throw new KeywardError('REPORT_UNSIGNED', `A CSV report is signed in a separate file; give its signature (${input.fileName}.sig).`)
    const detached = DetachedSignature.safeParse(parseJson(input.signature, 'The signature file'))
    if (!detached.success) throw new KeywardError('REPORT_MALFORMED', 'The signature file is not a Keyward detached signature.')
    signer = detached.data.signer
    checkSigner(signer, undefined)
    if (detached.data.sha256 !== sha256(content)) throw badSignature('The file does not have the SHA-256 its signature names.')
    if (!verifyBytes(signer.publicKey, content, detached.data.signature)) throw badSignature('The signature does not match the file.')
  }
  checkSigner(signer, input.expectSigner)
  return { valid: true, format, signer, sha256: sha256(content) }
}
