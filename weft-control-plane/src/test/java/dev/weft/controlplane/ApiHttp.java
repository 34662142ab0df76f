package dev.weft.controlplane;

import dev.weft.ca.SvidVerifier;
import dev.weft.controlplane.identity.ControlPlaneIdentity;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** Plain JDK HTTP clients of a control plane's HTTPS API, for tests that send what {@code ControlPlaneClient} won't. */
final class ApiHttp {

    private ApiHttp() {
    }

    /**
     * A client that trusts the control plane's SVID the way a standard HTTPS client does: PKIX to the CA's roots
     * (as a trust store) and the host name checked against the certificate's DNS and IP names. Uses real time.
     */
    static HttpClient pkix(ControlPlane controlPlane) throws Exception {
        KeyStore roots = KeyStore.getInstance("PKCS12");
        roots.load(null, null);
        int i = 0;
        for (X509Certificate root : controlPlane.certificateAuthority().bundle().roots()) {
            roots.setCertificateEntry("root-" + i++, root);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(roots);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).build();
    }

    /** A client that accepts the control plane's SVID checked at {@code clock}'s time (a fake clock's year). */
    static HttpClient at(ControlPlane controlPlane, Clock clock) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new SvidTrust(controlPlane, clock)}, null);
        return HttpClient.newBuilder().sslContext(tls).build();
    }

    /** A request to {@code path} of the API carrying the admin token. */
    static HttpRequest.Builder authorized(ControlPlane controlPlane, String path) {
        return HttpRequest.newBuilder(controlPlane.apiUri().resolve(path))
                .header("Authorization", "Bearer " + controlPlane.adminToken().value());
    }

    private static final class SvidTrust extends X509ExtendedTrustManager {
        private final ControlPlane controlPlane;
        private final Clock clock;

        SvidTrust(ControlPlane controlPlane, Clock clock) {
            this.controlPlane = controlPlane;
            this.clock = clock;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            String trustDomain = controlPlane.certificateAuthority().trustDomain();
            new SvidVerifier(controlPlane.certificateAuthority().bundle(), trustDomain).verify(chain,
                    SvidVerifier.PeerRole.SERVER, clock.instant(), ControlPlaneIdentity.idIn(trustDomain));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
