/**
 * The bundle file crosses the contract as standard base64. These turn it into bytes the
 * browser saves (the same download works inside Electron) and a picked file back into base64.
 */

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  // String.fromCharCode takes arguments: go in slices well below the engine's limit.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export async function fileToBase64(file: Blob): Promise<string> {
  return bytesToBase64(new Uint8Array(await file.arrayBuffer()))
}

/** Saves the file through the browser's download (Electron shows its save dialog). */
export function saveFile(base64: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([base64ToBytes(base64)], { type: 'application/octet-stream' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  // The download has started from the URL by the next task; free the bytes after.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

/** 64 hex characters in groups of four, easier to read aloud and compare. */
export const groupHex = (hex: string) => hex.replace(/(.{4})(?!$)/g, '$1 ')
