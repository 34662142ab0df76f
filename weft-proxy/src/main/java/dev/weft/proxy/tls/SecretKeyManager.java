package dev.weft.proxy.tls;

import dev.weft.ca.tls.RotatingKeyManager;
import java.util.function.Supplier;

/**
 * Presents a certificate secret, read at each handshake: the current version of an SDS secret (so a renewed
 * certificate is presented from the next handshake on) or a fixed inline one. Without the secret it presents
 * nothing, and a server handshake then fails.
 *
 * <p>Aliases name one version of the secret ({@link CertificateSecret#alias()}) and the store keeps recent versions
 * resolvable, so a rotation mid-handshake cannot pair the new chain with the old key (see {@link RotatingKeyManager}).
 */
final class SecretKeyManager extends RotatingKeyManager {
    private final Supplier<CertificateSecret> current;
    private final SecretStore store;

    private SecretKeyManager(Supplier<CertificateSecret> current, SecretStore store) {
        this.current = current;
        this.store = store;
    }

    /** Presents SDS secret {@code name} as it is at each handshake. */
    static SecretKeyManager dynamic(SecretStore store, String name) {
        return new SecretKeyManager(() -> store.certificate(name), store);
    }

    /** Presents {@code secret} always. */
    static SecretKeyManager fixed(CertificateSecret secret) {
        return new SecretKeyManager(() -> secret, null);
    }

    @Override
    protected CertificateSecret current() {
        return current.get();
    }

    @Override
    protected CertificateSecret resolve(String alias) {
        CertificateSecret now = current.get();
        if (now != null && now.alias().equals(alias)) {
            return now;
        }
        return store == null ? null : store.byAlias(alias);
    }
}
