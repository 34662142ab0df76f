package dev.weft.ca.tls;

import dev.weft.ca.InvalidSpiffeIdException;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Accepts a server only when it presents an X.509 SVID of the control plane: chaining to a root of the trust bundle
 * (read at each handshake, so a rotated bundle applies to the next connection), serverAuth, valid at the clock's
 * time, and naming exactly the control plane's SPIFFE ID ({@link SpiffeId#controlPlane}). This replaces hostname
 * verification: the SPIFFE ID is the server's identity, whatever address reached it. It verifies no clients.
 *
 * <p>The expected ID is either fixed ({@link #expecting}: a sidecar knows its trust domain) or that of the trust
 * domain the leaf names ({@link #inAnyTrustDomain}: the bundle is the mesh CA's, which issues in one trust domain
 * only, and a CLI given a bundle file does not know it otherwise).
 */
public final class ControlPlaneTrustManager extends RoleTrustManager {

    private static final int URI_NAME = 6;
    /** Any syntactically valid trust domain: only used when the leaf names none, and then verification fails first. */
    private static final String PLACEHOLDER_TRUST_DOMAIN = "unknown.invalid";

    private final Supplier<TrustBundle> bundle;
    /** Null: the control plane of the leaf's trust domain. */
    private final SpiffeId expected;
    private final Clock clock;
    private volatile SvidVerifier verifier;

    private ControlPlaneTrustManager(Supplier<TrustBundle> bundle, SpiffeId expected, Clock clock) {
        this.bundle = Objects.requireNonNull(bundle, "bundle");
        this.expected = expected;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Accepts exactly {@code controlPlane} under the bundle {@code bundle} gives at each handshake. */
    public static ControlPlaneTrustManager expecting(SpiffeId controlPlane, Supplier<TrustBundle> bundle,
                                                     Clock clock) {
        return new ControlPlaneTrustManager(bundle, Objects.requireNonNull(controlPlane, "controlPlane"), clock);
    }

    /** Accepts the control plane of the trust domain its certificate names, under {@code bundle}'s bundle. */
    public static ControlPlaneTrustManager inAnyTrustDomain(Supplier<TrustBundle> bundle, Clock clock) {
        return new ControlPlaneTrustManager(bundle, null, clock);
    }

    /** The bundle the next handshake is verified against. */
    public TrustBundle bundle() {
        return bundle.get();
    }

    @Override
    protected void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
        SpiffeId id = expected;
        if (id == null) {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the control plane presented no certificate");
            }
            id = SpiffeId.controlPlane(trustDomainOf(chain[0]));
        }
        verifier(id.trustDomain()).verify(chain, SvidVerifier.PeerRole.SERVER, clock.instant(), id);
    }

    @Override
    protected void checkClient(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client of the control plane verifies servers only");
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
