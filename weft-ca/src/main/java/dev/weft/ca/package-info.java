/**
 * Workload identity for the mesh, per SPIFFE: {@link dev.weft.ca.SpiffeId} names a workload, {@link
 * dev.weft.ca.CertificateAuthority} issues X.509 SVIDs from CSRs (after a {@link dev.weft.ca.JoinTokens join token}
 * or another proof of identity) and rotates its root, a {@link dev.weft.ca.TrustBundle} carries the roots workloads
 * trust, and {@link dev.weft.ca.SvidVerifier} decides whether a peer's TLS certificate chain is an SVID of the trust
 * domain. Nothing here does networking; the control plane and the proxy wire it to their transports.
 */
package dev.weft.ca;
