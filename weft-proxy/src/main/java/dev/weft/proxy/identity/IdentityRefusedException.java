package dev.weft.proxy.identity;

/**
 * The control plane refused the workload's first certificate for good (a join token that is unknown, spent,
 * expired or for another identity; a CSR it will not sign): retrying the same request cannot succeed, so the
 * sidecar stops with this message instead.
 */
public final class IdentityRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    IdentityRefusedException(String message) {
        super(message);
    }
}
