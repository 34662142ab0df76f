package dev.weft.proxy.tls;

import dev.weft.ca.Pem;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A certificate chain (leaf first) with the leaf's key, as tests hand it to a proxy or a client. */
public record Credential(PrivateKey key, List<X509Certificate> chain) {

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** A tls_certificate secret of this credential. */
    public Secret secret(String name) {
        return Secrets.tlsCertificate(name, chain, key);
    }

    public String chainPem() {
        return Pem.encode(chain);
    }

    public String keyPem() {
        return Pem.encode(key);
    }

    /**
     * A JDK client context presenting this credential and accepting any server: the server is what a test
     * examines. {@code protocols} limits the versions offered.
     */
    public SSLContext clientContext() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("me", key, new char[0], chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), new TrustManager[] {TRUST_ANY}, new SecureRandom());
        return ctx;
    }

    /** Accepts every server certificate (tests look at it themselves). */
    public static final X509TrustManager TRUST_ANY = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };
}
