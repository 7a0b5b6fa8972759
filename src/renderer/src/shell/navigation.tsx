import { createContext, useContext } from 'react'

export type Section = 'records' | 'keys' | 'licences' | 'catalog' | 'topology' | 'audit' | 'report' | 'sync' | 'settings'

/**
 * Opens a section of the workspace from deep inside another one (a dialog's "Open records"),
 * without threading a callback through every component in between.
 */
const NavigationContext = createContext<(section: Section) => void>(() => {})

export const NavigationProvider = NavigationContext.Provider
export const useOpenSection = () => useContext(NavigationContext)
