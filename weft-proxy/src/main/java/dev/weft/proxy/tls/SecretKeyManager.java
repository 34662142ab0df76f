package dev.weft.proxy.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents a certificate secret, read at each handshake: the current version of an SDS secret (so a renewed
 * certificate is presented from the next handshake on) or a fixed inline one. Without the secret it presents
 * nothing, and a server handshake then fails.
 *
 * <p>A handshake asks for an alias, then separately for its chain and its key; aliases name one version of the
 * secret ({@link CertificateSecret#alias()}) and the store keeps recent versions resolvable, so a rotation between
 * those calls cannot pair the new chain with the old key.
 */
final class SecretKeyManager extends X509ExtendedKeyManager {
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

    private CertificateSecret resolve(String alias) {
        CertificateSecret now = current.get();
        if (now != null && now.alias().equals(alias)) {
            return now;
        }
        return store == null ? null : store.byAlias(alias);
    }

    /** The alias of the current version, if its key fits {@code keyType} (null: any). */
    private String choose(String keyType) {
        CertificateSecret s = current.get();
        if (s == null) {
            return null;
        }
        String algorithm = s.key().getAlgorithm();
        // Netty's OpenSSL binding also asks for "EC_EC" / "EC_RSA" (an EC key under an EC or RSA issuer)
        return keyType == null || keyType.equals(algorithm) || keyType.startsWith(algorithm + "_") ? s.alias() : null;
    }

    private String choose(String[] keyTypes) {
        if (keyTypes == null) {
            return choose((String) null);
        }
        for (String keyType : keyTypes) {
            String alias = choose(keyType);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = choose(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return getServerAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CertificateSecret s = resolve(alias);
        return s == null ? null : s.chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CertificateSecret s = resolve(alias);
        return s == null ? null : s.key();
    }
}
