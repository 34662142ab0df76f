package dev.weft.ca.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the current version of a credential that is renewed while handshakes run, on the server and the client
 * side: a new handshake gets the newest certificate, open connections keep theirs. Without a current credential (or
 * when its key does not fit the key type asked for) it presents nothing.
 *
 * <p>A handshake asks for an alias, then separately for its chain and its key. Aliases name one version of the
 * credential ({@link TlsCredential#alias()}) and {@link #resolve} keeps recent versions resolvable, so a renewal
 * between those calls cannot pair the new chain with the old key.
 */
public abstract class RotatingKeyManager extends X509ExtendedKeyManager {

    /** The credential to present now, or null for none. */
    protected abstract TlsCredential current();

    /** The credential named {@code alias} (the current one or a recent one), or null when unknown or null. */
    protected abstract TlsCredential resolve(String alias);

    /** The alias of the current credential, if its key fits {@code keyType} (null: any). */
    private String choose(String keyType) {
        TlsCredential credential = current();
        if (credential == null) {
            return null;
        }
        String algorithm = credential.key().getAlgorithm();
        // Netty's OpenSSL binding also asks for "EC_EC" / "EC_RSA" (an EC key under an EC or RSA issuer)
        return keyType == null || keyType.equals(algorithm) || keyType.startsWith(algorithm + "_")
                ? credential.alias() : null;
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
        TlsCredential credential = resolve(alias);
        return credential == null ? null : credential.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        TlsCredential credential = resolve(alias);
        return credential == null ? null : credential.key();
    }
}
