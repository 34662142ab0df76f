package dev.weft.api.policy;

/**
 * How a sidecar's inbound port treats callers, mesh-wide in {@code MeshConfig} and per {@code Service}.
 * Calls from one sidecar to another are mTLS whenever the callee's mode is not {@link #DISABLE}.
 */
public enum MtlsMode {
    /** Only mTLS with a certificate of the mesh's trust domain; plaintext is refused. */
    STRICT,
    /** mTLS and plaintext on the same port, told apart by the first bytes (the default, for migration). */
    PERMISSIVE,
    /** Plaintext only: callers' sidecars do not use TLS for this service. */
    DISABLE
}
