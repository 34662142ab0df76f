package dev.weft.proxy.identity;

import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.proxy.tls.Secrets;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * An SVID the control plane issued to this workload together with the private key it was issued for (which never
 * left the process): what a TLS key manager and the SDS secret {@code default} are made of.
 */
public record WorkloadCertificate(Svid svid, PrivateKey privateKey) {

    public SpiffeId spiffeId() {
        return svid.spiffeId();
    }

    /** The leaf certificate. */
    public X509Certificate certificate() {
        return svid.certificate();
    }

    public Instant notAfter() {
        return svid.notAfter();
    }

    /** The chain, leaf first, as a TLS key manager returns it. */
    public X509Certificate[] chain() {
        return svid.chain().toArray(new X509Certificate[0]);
    }

    /** The chain as PEM, leaf first: an SDS {@code tls_certificate.certificate_chain}. */
    public String chainPem() {
        return svid.chainPem();
    }

    /** The private key as a PKCS#8 PEM block: an SDS {@code tls_certificate.private_key}. */
    public String privateKeyPem() {
        return Pem.encode(privateKey);
    }

    /**
     * This certificate as the SDS secret {@code name} (the workload's is {@code default}):
     * {@code tls_certificate{certificate_chain, private_key}}, both inline PEM.
     */
    public Secret toSecret(String name) {
        return Secrets.tlsCertificate(name, svid.chain(), privateKey);
    }

    @Override
    public String toString() {
        // never the key
        return "WorkloadCertificate[" + svid.spiffeId() + ", serial " + certificate().getSerialNumber().toString(16)
                + ", valid until " + notAfter() + "]";
    }
}
