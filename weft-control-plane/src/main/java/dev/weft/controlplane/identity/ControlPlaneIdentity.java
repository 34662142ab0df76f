package dev.weft.controlplane.identity;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.RateLimitedException;
import dev.weft.ca.SigningRefusedException;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.ca.SvidVerificationException;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import dev.weft.ca.tls.RoleTrustManager;
import dev.weft.ca.tls.RotatingKeyManager;
import dev.weft.ca.tls.TlsCredential;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's own identity: a key generated in memory and an SVID for
 * {@code spiffe://<td>/ns/weft-system/sa/weft-control-plane} from the mesh's CA, which also names the host names and
 * addresses clients reach the control plane at. It is reissued (with a new key) at half of its lifetime and on demand
 * ({@link #reissue()}, after a root rotation activated a new issuer), and the TLS servers of the control plane (xDS
 * and CSR, the HTTPS API) read it per handshake through {@link #keyManager()}: a new handshake gets the newest
 * certificate, open connections keep theirs. {@link #trustManager()} verifies peers' SVIDs against the CA's trust
 * bundle as it is at each handshake.
 *
 * <p>Thread-safe: the credential is one volatile reference; issuing is serialised on this object.
 */
public final class ControlPlaneIdentity implements AutoCloseable {

    /** The TLS versions the control plane speaks: 1.3 preferred, 1.2 the minimum. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneIdentity.class);
    /** A refused issue (other than by the rate limit) is retried after this, or sooner when the cert ends sooner. */
    private static final Duration RETRY = Duration.ofSeconds(10);
    /** Never reissue more often than this, whatever the lifetime, so a one-second lifetime cannot spin the CA. */
    private static final Duration MIN_RENEWAL = Duration.ofMillis(100);
    /** How many credentials the key manager still resolves by alias (a handshake between choosing and reading). */
    private static final int KEPT_CREDENTIALS = 3;
    private static final String ALIAS_PREFIX = "weft-control-plane-";

    private final CertificateAuthority ca;
    private final SpiffeId id;
    private final List<String> dnsNames;
    private final List<InetAddress> addresses;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong generations = new AtomicLong();
    private final KeyManagerImpl keyManager = new KeyManagerImpl();
    private final TrustManagerImpl trustManager = new TrustManagerImpl();
    private volatile Credential current;
    /** The credentials the key manager resolves by alias, newest last; replaced whole under this object's lock. */
    private volatile Map<String, Credential> recent = Map.of();
    /** Guarded by this. */
    private ScheduledFuture<?> renewal;
    /** Guarded by this. */
    private boolean closed;

    /** A key and the SVID issued for it; {@code alias} names it for the key manager. */
    private record Credential(String alias, PrivateKey key, Svid svid, Instant issuedAt) implements TlsCredential {
        @Override
        public List<X509Certificate> chain() {
            return svid.chain();
        }
    }

    private ControlPlaneIdentity(CertificateAuthority ca, List<String> dnsNames, List<InetAddress> addresses,
                                 Clock clock, ScheduledExecutorService scheduler) {
        this.ca = ca;
        this.id = SpiffeId.controlPlane(ca.trustDomain());
        this.dnsNames = List.copyOf(dnsNames);
        this.addresses = List.copyOf(addresses);
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /**
     * Like {@link #start} for a control plane listening on {@code bindHosts}: the certificate names {@code localhost},
     * each bind host that is a name, and each bind address that is an IP (a wildcard address stands for the
     * loopback addresses and every address of this host's interfaces).
     */
    public static ControlPlaneIdentity forBindHosts(CertificateAuthority ca, List<String> bindHosts, Clock clock,
                                                    ScheduledExecutorService scheduler)
            throws SigningRefusedException {
        ServingNames names = ServingNames.of(bindHosts);
        return start(ca, names.dnsNames(), names.addresses(), clock, scheduler);
    }

    /**
     * Issues the control plane's first certificate from {@code ca} (naming {@code dnsNames} and {@code addresses}
     * besides the SPIFFE ID) and schedules its renewals on {@code scheduler}.
     *
     * @throws SigningRefusedException when the CA refuses (its signing rate limit is exhausted)
     * @throws IllegalStateException when the CA's issuing chain has expired
     */
    public static ControlPlaneIdentity start(CertificateAuthority ca, List<String> dnsNames,
                                             List<InetAddress> addresses, Clock clock,
                                             ScheduledExecutorService scheduler) throws SigningRefusedException {
        ControlPlaneIdentity identity = new ControlPlaneIdentity(ca, dnsNames, addresses, clock, scheduler);
        identity.reissue();
        return identity;
    }

    /** The control plane's SPIFFE ID. */
    public SpiffeId id() {
        return id;
    }

    /** The SVID served now: leaf first, then the intermediates up to (not including) the root. */
    public Svid svid() {
        return current.svid();
    }

    /** The trust bundle of the CA now, which clients verify the control plane against. */
    public TrustBundle bundle() {
        return ca.bundle();
    }

    /**
     * Issues a new key and certificate now (from the CA's current issuer) and schedules the next renewal at half of
     * its lifetime. New handshakes use it at once. When the CA refuses, the current certificate stays and the issue
     * is retried (after the rate limit's delay, else after a few seconds), and the refusal is thrown.
     */
    public synchronized Svid reissue() throws SigningRefusedException {
        if (closed) {
            throw new IllegalStateException("the control plane identity is closed");
        }
        cancelRenewal();
        Credential next;
        try {
            KeyPair keyPair = Csr.generateKeyPair();
            Instant issuedAt = clock.instant();
            Svid svid = ca.issue(id, Csr.create(keyPair, id), dnsNames, addresses);
            next = new Credential(ALIAS_PREFIX + generations.incrementAndGet(), keyPair.getPrivate(), svid, issuedAt);
        } catch (RateLimitedException e) {
            scheduleRenewal(e.retryAfter());
            throw e;
        } catch (SigningRefusedException | RuntimeException e) {
            scheduleRenewal(retryDelay());
            throw e;
        }
        Map<String, Credential> kept = new LinkedHashMap<>(recent);
        kept.put(next.alias(), next);
        while (kept.size() > KEPT_CREDENTIALS) {
            kept.remove(kept.keySet().iterator().next());
        }
        recent = kept;
        current = next;
        Duration lifetime = Duration.between(next.issuedAt(), next.svid().notAfter());
        scheduleRenewal(lifetime.dividedBy(2));
        LOG.debug("control plane certificate {} issued, valid until {}", next.alias(), next.svid().notAfter());
        return next.svid();
    }

    /**
     * Reissues the certificate when the CA no longer issues from the certificate's issuer (a root rotation was
     * activated), so that it chains to the new root before the old one leaves the bundle.
     *
     * @return whether it was reissued
     */
    public synchronized boolean reissueIfIssuerChanged() throws SigningRefusedException {
        X509Certificate issuer = ca.issuerChain().get(0);
        X509Certificate leaf = current.svid().certificate();
        if (leaf.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            try {
                leaf.verify(issuer.getPublicKey());
                return false;
            } catch (GeneralSecurityException e) {
                // an issuer of the same name but another key: reissue
            }
        }
        reissue();
        return true;
    }

    /**
     * A key manager that serves the newest certificate at each handshake (server or client side); a handshake that
     * chose a certificate keeps getting that one's key even when a renewal happens meanwhile.
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /**
     * A trust manager that accepts a peer whose chain is an SVID of this trust domain chaining to the CA's current
     * bundle (during a rotation: either root); the peer's extended key usage must fit its role (clientAuth for a
     * client, serverAuth for a server).
     */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** Verifies a client's chain like {@link #trustManager()} does and returns its SPIFFE ID. */
    public SpiffeId verifyClient(X509Certificate[] chain) throws SvidVerificationException {
        return trustManager.verifier().verify(chain, SvidVerifier.PeerRole.CLIENT, clock.instant());
    }

    /**
     * A JDK TLS context with this identity's key and trust managers (for the JDK's {@code HttpsServer} or any
     * {@code SSLEngine}); use {@link #serverParameters(boolean)} for its parameters.
     */
    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keyManager}, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no TLS: " + e.getMessage(), e);
        }
    }

    /** Server parameters: TLS 1.2 and 1.3 only, and a client certificate asked for (not required) if {@code want}. */
    public SSLParameters serverParameters(boolean wantClientCertificate) {
        SSLParameters parameters = sslContext().getDefaultSSLParameters();
        parameters.setProtocols(PROTOCOLS.toArray(String[]::new));
        parameters.setWantClientAuth(wantClientCertificate);
        return parameters;
    }

    /**
     * A Netty (grpc-shaded) server context for a gRPC server: this identity's certificate, TLS 1.2 and 1.3, ALPN h2,
     * and a client certificate asked for but not required. The handshake takes any client certificate whose key the
     * client proves to hold; the server must verify it per call with {@link ClientIdentityInterceptor}, which
     * refuses one that is not an SVID of the bundle with UNAUTHENTICATED and the reason, where a refused handshake
     * would tell the client only "bad certificate".
     */
    public SslContext grpcServerContext() {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager))
                    .trustManager(new DeferredClientTrustManager())
                    .clientAuth(ClientAuth.OPTIONAL)
                    .protocols(PROTOCOLS)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the control plane's TLS context: " + e.getMessage(), e);
        }
    }

    /** Stops renewing. */
    @Override
    public synchronized void close() {
        closed = true;
        cancelRenewal();
    }

    private Duration retryDelay() {
        Credential credential = current;
        if (credential == null) {
            return RETRY;
        }
        // before the certificate in use expires, retry often enough for several attempts
        Duration left = Duration.between(clock.instant(), credential.svid().notAfter());
        Duration tenth = left.dividedBy(10);
        return tenth.compareTo(RETRY) < 0 ? tenth : RETRY;
    }

    private void scheduleRenewal(Duration delay) {
        Duration wait = delay.compareTo(MIN_RENEWAL) < 0 ? MIN_RENEWAL : delay;
        try {
            renewal = scheduler.schedule(this::renew, wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the scheduler is shut down: the control plane is closing
            renewal = null;
        }
    }

    private void cancelRenewal() {
        if (renewal != null) {
            renewal.cancel(false);
            renewal = null;
        }
    }

    private void renew() {
        try {
            reissue();
        } catch (SigningRefusedException | RuntimeException e) {
            Credential credential = current;
            LOG.warn("cannot renew the control plane's certificate (the current one expires at {}): {}",
                    credential == null ? "-" : credential.svid().notAfter(), e.getMessage());
        }
    }

    /** Serves the newest credential; a chosen alias resolves to that credential until it is three renewals old. */
    private final class KeyManagerImpl extends RotatingKeyManager {

        @Override
        protected TlsCredential current() {
            return current;
        }

        @Override
        protected TlsCredential resolve(String alias) {
            return alias == null ? null : recent.get(alias);
        }
    }

    /** Verifies peers against the CA's bundle as it is at each handshake. */
    private final class TrustManagerImpl extends RoleTrustManager {

        /** The verifier of the bundle last seen; rebuilt when the CA's bundle changes. */
        private volatile SvidVerifier verifier;

        SvidVerifier verifier() {
            SvidVerifier cached = verifier;
            TrustBundle bundle = ca.bundle();
            if (cached == null || !cached.bundle().equals(bundle)) {
                cached = new SvidVerifier(bundle, ca.trustDomain());
                verifier = cached;
            }
            return cached;
        }

        private void check(X509Certificate[] chain, SvidVerifier.PeerRole role) throws CertificateException {
            try {
                verifier().verify(chain, role, clock.instant());
            } catch (SvidVerificationException e) {
                LOG.warn("TLS {} refused: {}", role == SvidVerifier.PeerRole.CLIENT ? "client" : "server",
                        e.getMessage());
                throw e;
            }
        }

        @Override
        protected void checkClient(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, SvidVerifier.PeerRole.CLIENT);
        }

        @Override
        protected void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, SvidVerifier.PeerRole.SERVER);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ca.bundle().roots().toArray(X509Certificate[]::new);
        }
    }

    /**
     * Takes any client chain at the handshake, leaving its verification to {@link ClientIdentityInterceptor}; as a
     * client it trusts nothing. It names no acceptable issuers, so a client sends its certificate even when it comes
     * from a root the bundle no longer holds, and is told so instead of "no certificate".
     */
    private static final class DeferredClientTrustManager extends RoleTrustManager {

        @Override
        protected void checkClient(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the client sent an empty certificate chain");
            }
        }

        @Override
        protected void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the control plane's server context does not verify servers");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @Override
    public String toString() {
        Credential credential = current;
        return "ControlPlaneIdentity[" + id + (credential == null ? "" : ", until " + credential.svid().notAfter())
                + "]";
    }
}
