package dev.weft.proxy.identity;

import dev.weft.ca.SpiffeId;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts a server only when its chain is an SVID of the current trust bundle and names exactly the control plane's
 * SPIFFE ID. This replaces hostname verification: the control plane proves who it is by its SPIFFE ID, whatever
 * address the sidecar reaches it at. (Being an {@link X509ExtendedTrustManager}, it is used as it is: the JDK and
 * Netty add no hostname check of their own around it.) The bundle is read at each handshake, so
 * {@link #update} takes effect on the next connection.
 */
final class ControlPlaneTrustManager extends X509ExtendedTrustManager {
    private final SpiffeId controlPlane;
    private final Clock clock;
    private volatile SvidVerifier verifier;

    ControlPlaneTrustManager(SpiffeId controlPlane, TrustBundle bundle, Clock clock) {
        this.controlPlane = controlPlane;
        this.clock = clock;
        this.verifier = new SvidVerifier(bundle, controlPlane.trustDomain());
    }

    void update(TrustBundle bundle) {
        verifier = new SvidVerifier(bundle, controlPlane.trustDomain());
    }

    TrustBundle bundle() {
        return verifier.bundle();
    }

    private void checkServer(X509Certificate[] chain) throws CertificateException {
        verifier.verify(chain, SvidVerifier.PeerRole.SERVER, clock.instant(), controlPlane);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkServer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServer(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the control plane trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the control plane trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the control plane trust manager verifies servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return verifier.bundle().roots().toArray(new X509Certificate[0]);
    }
}
