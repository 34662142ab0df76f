package dev.weft.proxy.tls;

import dev.weft.ca.SvidVerifier.PeerRole;
import dev.weft.ca.tls.RoleTrustManager;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the peer of a handshake against a validation secret read at that handshake (so a rotated bundle
 * applies to the next handshake) and, when the context lists any, its SAN matchers: a cluster insists on the
 * identities of the service it calls, so one service cannot pose as another. Host names are never checked
 * (Envoy checks SANs only when asked to). Sends no list of acceptable issuers, which would go stale on rotation.
 */
final class PeerTrustManager extends RoleTrustManager {
    private static final Logger log = LoggerFactory.getLogger(PeerTrustManager.class);
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final Supplier<ValidationSecret> validation;
    private final String source;
    private final List<SanMatcher> sans;
    private final Clock clock;

    /**
     * @param validation the secret at each handshake, null while it has not arrived
     * @param source     what the secret is, for messages ("secret ROOTCA")
     * @param sans       SAN matchers of which one must match, none to accept any verified peer
     */
    PeerTrustManager(Supplier<ValidationSecret> validation, String source, List<SanMatcher> sans, Clock clock) {
        this.validation = validation;
        this.source = source;
        this.sans = List.copyOf(sans);
        this.clock = clock;
    }

    private void check(X509Certificate[] chain, String authType, PeerRole role) throws CertificateException {
        ValidationSecret v = validation.get();
        try {
            if (v == null) {
                throw new CertificateException(source + " is not available (yet): no peer can be verified");
            }
            v.verify(chain, role, authType, clock.instant());
            if (!sans.isEmpty() && sans.stream().noneMatch(m -> m.matches(chain[0]))) {
                throw new CertificateException("SAN_MISMATCH: the peer's subject alternative names " + sanList(chain[0])
                        + " match none of " + sans);
            }
        } catch (CertificateException e) {
            log.debug("TLS {} refused: {}", role == PeerRole.CLIENT ? "client" : "server", e.getMessage());
            throw e;
        }
    }

    private static String sanList(X509Certificate cert) {
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            return names == null ? "[]" : names.stream().map(n -> String.valueOf(n.get(1))).toList().toString();
        } catch (CertificateParsingException e) {
            return "(unreadable)";
        }
    }

    @Override
    protected void checkClient(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType, PeerRole.CLIENT);
    }

    @Override
    protected void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType, PeerRole.SERVER);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }
}
