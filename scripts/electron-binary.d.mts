/** Path of the installed Electron binary, or null where none could be downloaded. */
export function electronBinary(): string | null
