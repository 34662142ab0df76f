package dev.weft.controlplane.client;

import dev.weft.ca.InvalidSpiffeIdException;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.identity.ControlPlaneIdentity;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts a server only when it presents an X.509 SVID of the control plane: chaining to a root of the trust bundle
 * (read at each handshake, so a rotated bundle applies to the next connection), serverAuth, valid now, and naming
 * {@code spiffe://<td>/ns/weft-system/sa/weft-control-plane}. The trust domain is the one the certificate names:
 * the bundle is the mesh CA's, which issues in one trust domain only, and a CLI given a bundle file does not know
 * it otherwise. Host names are not checked: the SPIFFE ID is the server's identity, whatever address reached it.
 */
final class ControlPlaneTrustManager extends X509ExtendedTrustManager {

    private static final int URI_NAME = 6;
    /** Any syntactically valid trust domain: only used when the leaf names none, and then verification fails first. */
    private static final String PLACEHOLDER_TRUST_DOMAIN = "unknown.invalid";

    private final Supplier<TrustBundle> bundle;
    private final Clock clock;
    private volatile SvidVerifier verifier;

    ControlPlaneTrustManager(Supplier<TrustBundle> bundle, Clock clock) {
        this.bundle = bundle;
        this.clock = clock;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the control plane presented no certificate");
        }
        String trustDomain = trustDomainOf(chain[0]);
        SpiffeId expected = ControlPlaneIdentity.idIn(trustDomain);
        verifier(trustDomain).verify(chain, SvidVerifier.PeerRole.SERVER, clock.instant(), expected);
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
        throw new CertificateException("a client of the control plane does not accept connections");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return bundle.get().roots().toArray(X509Certificate[]::new);
    }

    /** The verifier for the current bundle, rebuilt only when the bundle or trust domain changed. */
    private SvidVerifier verifier(String trustDomain) {
        TrustBundle current = bundle.get();
        SvidVerifier cached = verifier;
        if (cached != null && cached.bundle().equals(current) && cached.trustDomain().equals(trustDomain)) {
            return cached;
        }
        SvidVerifier fresh = new SvidVerifier(current, trustDomain);
        verifier = fresh;
        return fresh;
    }

    /** The trust domain of the leaf's one SPIFFE ID; anything else is left for the verifier to refuse. */
    private static String trustDomainOf(X509Certificate leaf) {
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            List<String> uris = names == null ? List.of() : names.stream()
                    .filter(n -> ((Integer) n.get(0)) == URI_NAME).map(n -> (String) n.get(1)).toList();
            return uris.size() == 1 ? SpiffeId.parse(uris.get(0)).trustDomain() : PLACEHOLDER_TRUST_DOMAIN;
        } catch (CertificateParsingException | InvalidSpiffeIdException e) {
            return PLACEHOLDER_TRUST_DOMAIN;
        }
    }
}
