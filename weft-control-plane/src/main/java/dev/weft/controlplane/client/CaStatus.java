package dev.weft.controlplane.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The state of the control plane's CA ({@code GET /v1/ca}): its trust domain, the lifetime of the SVIDs it issues,
 * the roots of the trust bundle (each {@code active}, {@code pending} or {@code old}), the issuer in use, the issuer
 * added and not yet activated (null when none), and the next root rotation step ({@code add}, {@code activate} or
 * {@code remove-old}).
 */
public record CaStatus(String trustDomain, Duration svidLifetime, List<Root> roots, Issuer activeIssuer,
                       Issuer pendingIssuer, String nextStep) {

    public CaStatus {
        roots = List.copyOf(roots);
    }

    /** A root of the trust bundle; {@code sha256} is the certificate's fingerprint as openssl prints it. */
    public record Root(String subject, String sha256, Instant notBefore, Instant notAfter, String state) {
    }

    /** An issuing certificate and the fingerprint of the root it chains to. */
    public record Issuer(String subject, String sha256, Instant notBefore, Instant notAfter, String rootSha256) {
    }
}
