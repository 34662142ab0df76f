package dev.weft.ca.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that decides by the peer's role and chain: the JSSE callbacks, with or without a socket or engine,
 * go to {@link #checkClient} and {@link #checkServer}. Being an
 * {@link X509ExtendedTrustManager}, it is used as it is: the JDK and Netty add no hostname check around it.
 */
public abstract class RoleTrustManager extends X509ExtendedTrustManager {

    /** Accepts a client's chain or throws why not. */
    protected abstract void checkClient(X509Certificate[] chain, String authType) throws CertificateException;

    /** Accepts a server's chain or throws why not. */
    protected abstract void checkServer(X509Certificate[] chain, String authType) throws CertificateException;

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClient(chain, authType);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClient(chain, authType);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClient(chain, authType);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkServer(chain, authType);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServer(chain, authType);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServer(chain, authType);
    }
}
