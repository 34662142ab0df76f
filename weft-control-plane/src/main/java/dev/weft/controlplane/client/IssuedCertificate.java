package dev.weft.controlplane.client;

import java.time.Instant;

/**
 * The answer to a CSR: the SVID's SPIFFE ID, its chain (PEM, leaf first), the trust bundle to verify peers with
 * (PEM roots) and the end of the SVID's validity.
 */
public record IssuedCertificate(String spiffeId, String certificateChain, String trustBundle, Instant notAfter) {
}
