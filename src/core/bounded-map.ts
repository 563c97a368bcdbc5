/** The bounded map the verification engine uses, shared by the server's rooms. */
export { BoundedMap } from '@tessera/verify/engine'
