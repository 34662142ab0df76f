package dev.weft.proxy.identity;

import dev.weft.ca.Csr;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.ca.SvidVerificationException;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import dev.weft.ca.tls.ControlPlaneTrustManager;
import dev.weft.proxy.xds.Backoff;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's identity agent: keeps an X.509 SVID for the workload, signed by the control plane's CA, and the trust
 * bundle that verifies the control plane.
 *
 * <ul>
 *   <li>Each certificate gets a new ECDSA P-256 key made here; only the CSR leaves the process.</li>
 *   <li>The first one is signed against a one-time join token, over TLS that authenticates the control plane only.
 *       A refusal (the token unknown, spent, expired or for another identity) ends the agent with
 *       {@link IdentityRefusedException}: retrying cannot help. Anything else (the control plane not up yet) is
 *       retried with back-off.</li>
 *   <li>Renewals carry no token: the agent proves itself with its current SVID (mutual TLS). Each is due at half
 *       the remaining lifetime, ±10 % jitter so sidecars started together do not renew together; a failed one is
 *       retried with exponential back-off, never waiting more than a quarter of the time left. An SVID that expires
 *       unrenewed is logged as an error at every further attempt, and the agent keeps trying.</li>
 *   <li>The control plane must present an SVID of the trust bundle naming exactly its SPIFFE ID
 *       ({@code spiffe://<td>/ns/weft-system/sa/weft-control-plane}); no hostname is checked. The bundle comes from
 *       the start, from each signing response and from {@link #updateBundle} (the ROOTCA secret over SDS), so the
 *       agent follows a root rotation.</li>
 * </ul>
 *
 * <p>{@link #channelCredentials()} gives other clients of the control plane (the ADS stream) the same TLS: the
 * current SVID and the current bundle, read at each handshake.
 *
 * <p>Threading: signing runs on the agent's own thread ("weft-identity"); listeners are called on it, one
 * certificate at a time, in order.
 */
public final class WorkloadIdentity implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkloadIdentity.class);

    /** Retries of a failed signing: 250 ms doubling up to 30 s, jittered. */
    public static final Backoff DEFAULT_BACKOFF = new Backoff(250, 30_000);
    /** The trailer of a RESOURCE_EXHAUSTED answer: in how many milliseconds the control plane signs again. */
    static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("weft-retry-after-ms",
            Metadata.ASCII_STRING_MARSHALLER);
    /** How long one signing call may take. */
    public static final Duration DEFAULT_SIGN_TIMEOUT = Duration.ofSeconds(10);

    private final SpiffeId identity;
    private final SpiffeId controlPlaneId;
    private final String host;
    private final int port;
    private final Backoff backoff;
    private final Duration signTimeout;
    private final Clock clock = Clock.systemUTC();
    /** The roots the control plane must chain to; replaced by {@link #updateBundle}. */
    private volatile TrustBundle bundle;
    private final ControlPlaneTrustManager trustManager;
    private final SvidKeyManager keyManager = new SvidKeyManager();
    /** Verifies the control plane and presents the current SVID: renewals and the ADS channel. */
    private final ChannelCredentials mutualTls;
    /** Verifies the control plane, presents nothing: the first signing, with the join token. */
    private final ChannelCredentials serverAuthOnly;
    private final ScheduledThreadPoolExecutor executor;
    private final CompletableFuture<WorkloadCertificate> first = new CompletableFuture<>();
    private final List<Consumer<WorkloadCertificate>> listeners = new CopyOnWriteArrayList<>();
    /** Orders publishing a certificate against adding a listener, so a listener misses none and sees none twice. */
    private final Object publishLock = new Object();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Spent by the first signing; confined to the agent's thread after {@link #start()}. */
    private String joinToken;
    /** Consecutive failed attempts; confined to the agent's thread. */
    private int failures;
    private volatile WorkloadCertificate current;
    private volatile String lastError;
    /** The channel of the signing call in progress, cut by {@link #close()}. */
    private volatile ManagedChannel inFlight;

    private WorkloadIdentity(Builder b) {
        this.identity = b.identity;
        this.controlPlaneId = b.controlPlaneId != null ? b.controlPlaneId : SpiffeId.controlPlane(b.identity.trustDomain());
        this.host = b.host;
        this.port = b.port;
        this.backoff = b.backoff;
        this.signTimeout = b.signTimeout;
        this.joinToken = b.joinToken;
        this.bundle = b.bundle;
        this.trustManager = ControlPlaneTrustManager.expecting(controlPlaneId, () -> bundle, clock);
        this.mutualTls = TlsChannelCredentials.newBuilder().keyManager(keyManager).trustManager(trustManager).build();
        this.serverAuthOnly = TlsChannelCredentials.newBuilder().trustManager(trustManager).build();
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "weft-identity");
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
    }

    /** Starts configuring the agent of workload {@code identity}. */
    public static Builder builder(SpiffeId identity) {
        return new Builder(identity);
    }

    /** Asks for the first certificate; returns at once. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("the identity agent of " + identity + " is already started");
        }
        schedule(this::attempt, 0);
    }

    /**
     * Waits for the first certificate.
     *
     * @throws IdentityRefusedException when the control plane refused it for good (the message says why and what
     *         to do)
     * @throws TimeoutException when there is none after {@code timeout}; the message has the last failure
     */
    public WorkloadCertificate awaitFirst(Duration timeout)
            throws IdentityRefusedException, TimeoutException, InterruptedException {
        try {
            return first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IdentityRefusedException refused) {
                throw refused;
            }
            throw new IllegalStateException("the identity agent of " + identity + " failed: " + e.getCause(),
                    e.getCause());
        } catch (CancellationException e) {
            throw new IllegalStateException("the identity agent of " + identity + " was closed", e);
        } catch (TimeoutException e) {
            String last = lastError;
            throw new TimeoutException("no certificate for " + identity + " from the control plane at "
                    + target() + " after " + timeout.toMillis() + " ms"
                    + (last == null ? " (no answer yet)" : "; last attempt: " + last));
        }
    }

    /** Completes with the first certificate, or with {@link IdentityRefusedException}. */
    public CompletableFuture<WorkloadCertificate> firstCertificate() {
        return first.copy();
    }

    /** The certificate in use, or null before the first. */
    public WorkloadCertificate current() {
        return current;
    }

    /** The roots the control plane's certificate must chain to now. */
    public TrustBundle bundle() {
        return bundle;
    }

    public SpiffeId identity() {
        return identity;
    }

    /** Why the last signing attempt failed, or null when it succeeded (or none was made yet). */
    public String lastError() {
        return lastError;
    }

    /**
     * Calls {@code listener} with every new certificate, starting with the current one if there is one (before this
     * returns). Calls are made one at a time in issue order; an exception is logged and does not stop the others.
     */
    public void addListener(Consumer<WorkloadCertificate> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (publishLock) {
            listeners.add(listener);
            WorkloadCertificate c = current;
            if (c != null) {
                deliver(listener, c);
            }
        }
    }

    /**
     * Trusts {@code bundle} for the control plane from the next handshake on: the ROOTCA secret the control plane
     * sends over SDS, so a control plane whose certificate comes from a rotated root stays reachable.
     */
    public void updateBundle(TrustBundle bundle) {
        Objects.requireNonNull(bundle, "bundle");
        if (!bundle.equals(this.bundle)) {
            this.bundle = bundle;
            log.info("identity: trust bundle for the control plane now {}", bundle);
        }
    }

    /**
     * TLS credentials for a gRPC channel to the control plane: present the current SVID (client certificate) and
     * accept only the control plane's SPIFFE ID under the current bundle, both read at each handshake.
     */
    public ChannelCredentials channelCredentials() {
        return mutualTls;
    }

    /** Stops renewing; the current certificate stays readable. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        first.cancel(false);
        executor.shutdownNow();
        ManagedChannel c = inFlight;
        if (c != null) {
            c.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- signing, on the agent's thread

    private void attempt() {
        if (closed.get()) {
            return;
        }
        WorkloadCertificate previous = current;
        boolean joining = previous == null;
        KeyPair keys = Csr.generateKeyPair();
        CertificateServiceClient.SignRequest request = new CertificateServiceClient.SignRequest(
                Csr.create(keys, identity).pem(), joining ? joinToken : null);
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(host, port, joining ? serverAuthOnly : mutualTls)
                .build();
        inFlight = channel;
        WorkloadCertificate issued;
        TrustBundle bundle;
        try {
            CertificateServiceClient.SignResponse response =
                    CertificateServiceClient.sign(channel, request, signTimeout);
            bundle = readBundle(response);
            issued = readCertificate(response, keys, bundle);
        } catch (StatusRuntimeException e) {
            if (closed.get()) {
                return;
            }
            Status.Code code = e.getStatus().getCode();
            if (joining && (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED
                    || code == Status.Code.INVALID_ARGUMENT)) {
                refused(e.getStatus());
                return;
            }
            failed(describe(e), retryAfterMillis(e));
            return;
        } catch (InvalidResponseException e) {
            failed(e.getMessage(), 0);
            return;
        } finally {
            inFlight = null;
            channel.shutdownNow();
        }
        joinToken = null;
        failures = 0;
        lastError = null;
        updateBundle(bundle);
        keyManager.update(issued);
        publish(issued);
        first.complete(issued);
        long delay = renewalDelayMillis(issued);
        log.info("identity: {} {}, valid until {}; renewing in {} ms", joining ? "issued" : "renewed", issued,
                issued.notAfter(), delay);
        schedule(this::attempt, delay);
    }

    /** Half the remaining lifetime, ±10 % (40 % to 60 %). */
    private long renewalDelayMillis(WorkloadCertificate c) {
        long remaining = Math.max(0, Duration.between(clock.instant(), c.notAfter()).toMillis());
        double fraction = 0.4 + ThreadLocalRandom.current().nextDouble() * 0.2;
        return (long) (remaining * fraction);
    }

    private void refused(Status status) {
        String what = switch (status.getCode()) {
            case UNAUTHENTICATED -> "refused the join token for " + identity;
            case INVALID_ARGUMENT -> "refused the certificate request for " + identity;
            default -> "refused to sign a certificate for " + identity;
        };
        String message = "the control plane at " + target() + " " + what + ": " + status.getDescription()
                + "; create a join token for this identity with `weft token create --namespace "
                + identity.namespace() + " --account " + identity.account() + "` and start the sidecar with it";
        lastError = message;
        log.error("identity: {}", message);
        first.completeExceptionally(new IdentityRefusedException(message));
        executor.shutdown();
    }

    /** The control plane's rate limit says when a signature is possible again; trying sooner is wasted. */
    private static long retryAfterMillis(StatusRuntimeException e) {
        Metadata trailers = e.getTrailers();
        String value = trailers == null ? null : trailers.get(RETRY_AFTER);
        if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED || value == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException ignored) {
            return 0;
        }
    }

    private void failed(String reason, long retryAfterMillis) {
        lastError = reason;
        long delay = backoff.delayMillis(failures++);
        WorkloadCertificate c = current;
        if (c == null) {
            delay = Math.max(delay, retryAfterMillis);
            log.warn("identity: no certificate for {} yet from {} ({}); retrying in {} ms", identity, target(),
                    reason, delay);
        } else {
            long remaining = Duration.between(clock.instant(), c.notAfter()).toMillis();
            if (remaining > 0) {
                delay = Math.max(Math.min(delay, Math.max(backoff.initialMillis(), remaining / 4)), retryAfterMillis);
                log.warn("identity: renewing {} failed ({}); it expires in {} ms; retrying in {} ms", c, reason,
                        remaining, delay);
            } else {
                delay = Math.max(delay, retryAfterMillis);
                // nothing will connect with an expired SVID: make it impossible to miss
                log.error("identity: THE CERTIFICATE OF {} EXPIRED at {} and is not renewed: mTLS connections to and "
                        + "from this sidecar fail until it is. Renewal failed ({}); retrying in {} ms. If the control "
                        + "plane refuses the expired certificate, restart the sidecar with a new join token.",
                        identity, c.notAfter(), reason, delay);
            }
        }
        schedule(this::attempt, delay);
    }

    private void publish(WorkloadCertificate c) {
        synchronized (publishLock) {
            current = c;
            for (Consumer<WorkloadCertificate> l : listeners) {
                deliver(l, c);
            }
        }
    }

    private static void deliver(Consumer<WorkloadCertificate> listener, WorkloadCertificate c) {
        try {
            listener.accept(c);
        } catch (RuntimeException e) {
            log.error("identity: a listener failed on {}", c, e);
        }
    }

    private void schedule(Runnable task, long delayMillis) {
        try {
            executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed: nothing more to renew
        }
    }

    private String target() {
        return host + ":" + port;
    }

    // ---------------------------------------------------------------- the response

    /** A signing response that is not what was asked for. */
    private static final class InvalidResponseException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidResponseException(String message) {
            super("the control plane's signing response: " + message);
        }
    }

    private static TrustBundle readBundle(CertificateServiceClient.SignResponse response)
            throws InvalidResponseException {
        if (response.trustBundle() == null || response.trustBundle().isBlank()) {
            throw new InvalidResponseException("trustBundle is missing");
        }
        try {
            return TrustBundle.fromPem(response.trustBundle());
        } catch (IllegalArgumentException e) {
            throw new InvalidResponseException("trustBundle: " + e.getMessage());
        }
    }

    /** The issued chain, checked: for this identity and this key, an SVID under the bundle that came with it. */
    private WorkloadCertificate readCertificate(CertificateServiceClient.SignResponse response, KeyPair keys,
            TrustBundle bundle) throws InvalidResponseException {
        if (response.certificateChain() == null || response.certificateChain().isBlank()) {
            throw new InvalidResponseException("certificateChain is missing");
        }
        List<X509Certificate> chain;
        try {
            chain = Pem.certificates(response.certificateChain());
        } catch (IllegalArgumentException e) {
            throw new InvalidResponseException("certificateChain: " + e.getMessage());
        }
        X509Certificate leaf = chain.get(0);
        if (!Arrays.equals(leaf.getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
            throw new InvalidResponseException("the certificate is not for the key of the request");
        }
        Instant now = clock.instant();
        if (!now.isBefore(leaf.getNotAfter().toInstant())) {
            throw new InvalidResponseException("the certificate expired at " + leaf.getNotAfter().toInstant()
                    + ", it is " + now + " here (are the clocks apart?)");
        }
        // checked at its start if that is still ahead here: a clock behind the control plane's is not our concern
        Instant at = now.isBefore(leaf.getNotBefore().toInstant()) ? leaf.getNotBefore().toInstant() : now;
        try {
            new SvidVerifier(bundle, identity.trustDomain()).verify(chain.toArray(new X509Certificate[0]),
                    SvidVerifier.PeerRole.CLIENT, at, identity);
        } catch (SvidVerificationException e) {
            throw new InvalidResponseException("the certificate is not a valid SVID: " + e.getMessage());
        }
        return new WorkloadCertificate(new Svid(identity, chain), keys.getPrivate());
    }

    /**
     * A failed call in one line: a refused control plane certificate as the verifier put it, otherwise the status
     * (its first line: grpc-java appends the channel pipeline) and the innermost cause.
     */
    private static String describe(StatusRuntimeException e) {
        for (Throwable t = e.getCause(); t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SvidVerificationException refused) {
                return "the control plane's certificate is refused: " + refused.getMessage();
            }
        }
        Status status = e.getStatus();
        StringBuilder s = new StringBuilder(status.getCode().name());
        String description = status.getDescription();
        if (description != null) {
            int newline = description.indexOf('\n');
            s.append(": ").append(newline < 0 ? description : description.substring(0, newline));
        }
        Throwable root = e.getCause();
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != null && root.getMessage() != null
                && (description == null || !description.contains(root.getMessage()))) {
            s.append(" (").append(root.getMessage()).append(')');
        }
        return s.toString();
    }

    /** Settings of a {@link WorkloadIdentity}. */
    public static final class Builder {
        private final SpiffeId identity;
        private String host;
        private int port;
        private TrustBundle bundle;
        private String joinToken;
        private SpiffeId controlPlaneId;
        private Backoff backoff = DEFAULT_BACKOFF;
        private Duration signTimeout = DEFAULT_SIGN_TIMEOUT;

        private Builder(SpiffeId identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
        }

        /** Where the control plane's CSR service is (its xDS port). */
        public Builder controlPlane(String host, int port) {
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("controlPlane host: empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("controlPlane port: " + port + " (expected: 1 to 65535)");
            }
            this.host = host;
            this.port = port;
            return this;
        }

        /** The roots the control plane's certificate must chain to, until the control plane sends others. */
        public Builder trustBundle(TrustBundle bundle) {
            this.bundle = Objects.requireNonNull(bundle, "bundle");
            return this;
        }

        /** The one-time token that admits this identity ({@code weft token create}). */
        public Builder joinToken(String token) {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("joinToken: empty");
            }
            this.joinToken = token.strip();
            return this;
        }

        /** The control plane's SPIFFE ID, when not {@link SpiffeId#controlPlane(String)} of the workload's trust domain. */
        public Builder controlPlaneIdentity(SpiffeId id) {
            this.controlPlaneId = Objects.requireNonNull(id, "id");
            return this;
        }

        /** Waits between failed signing attempts (default {@link #DEFAULT_BACKOFF}). */
        public Builder retryBackoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /** The deadline of one signing call (default {@link #DEFAULT_SIGN_TIMEOUT}). */
        public Builder signTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("signTimeout: " + timeout + " (expected: > 0)");
            }
            this.signTimeout = timeout;
            return this;
        }

        /**
         * Builds and starts the agent and waits for its first certificate, as a sidecar does before it starts its
         * proxy; the agent is closed when this fails.
         *
         * @throws IdentityRefusedException when the control plane refused the join token (the message says why)
         * @throws TimeoutException when no certificate came within {@code timeout} (the message has the last failure)
         */
        public WorkloadIdentity join(Duration timeout)
                throws IdentityRefusedException, TimeoutException, InterruptedException {
            WorkloadIdentity agent = build();
            try {
                agent.start();
                agent.awaitFirst(timeout);
                return agent;
            } catch (IdentityRefusedException | TimeoutException | InterruptedException | RuntimeException e) {
                agent.close();
                throw e;
            }
        }

        /** @throws IllegalArgumentException naming a missing setting */
        public WorkloadIdentity build() {
            if (host == null) {
                throw new IllegalArgumentException("controlPlane: required (the control plane's host and xDS port)");
            }
            if (bundle == null) {
                throw new IllegalArgumentException("trustBundle: required (the roots that verify the control plane)");
            }
            if (joinToken == null) {
                throw new IllegalArgumentException("joinToken: required (the first certificate is signed against a "
                        + "one-time join token: weft token create --namespace " + identity.namespace()
                        + " --account " + identity.account() + ")");
            }
            return new WorkloadIdentity(this);
        }
    }
}
