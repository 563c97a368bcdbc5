/** Who is asking, for the ledger (sessions list) and the audit log. */
export interface RequestContext {
  readonly ip: string | null
  readonly userAgent: string | null
}

export const NO_CONTEXT: RequestContext = { ip: null, userAgent: null }
