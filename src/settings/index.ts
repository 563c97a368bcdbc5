export { SPECS } from './defaults.js'
export { headerNameFromMeta, type LoadOptions, loadSettings } from './load.js'
export * from './types.js'
