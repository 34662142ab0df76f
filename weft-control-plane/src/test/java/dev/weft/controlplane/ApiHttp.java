package dev.weft.controlplane;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.tls.ControlPlaneTrustManager;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

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
        CertificateAuthority ca = controlPlane.certificateAuthority();
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {ControlPlaneTrustManager.expecting(
                SpiffeId.controlPlane(ca.trustDomain()), ca::bundle, clock)}, null);
        return HttpClient.newBuilder().sslContext(tls).build();
    }

    /** A request to {@code path} of the API carrying the admin token. */
    static HttpRequest.Builder authorized(ControlPlane controlPlane, String path) {
        return HttpRequest.newBuilder(controlPlane.apiUri().resolve(path))
                .header("Authorization", "Bearer " + controlPlane.adminToken().value());
    }
}
