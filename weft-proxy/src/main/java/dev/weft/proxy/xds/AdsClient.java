package dev.weft.proxy.xds;

import com.google.protobuf.Message;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.config.XdsResources;
import dev.weft.proxy.config.XdsSnapshots;
import dev.weft.proxy.config.XdsSource;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.tls.SecretStore;
import dev.weft.proxy.tls.TlsSecret;
import dev.weft.proxy.util.XxHash64;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A State-of-the-World ADS client (xDS v3 over one gRPC stream): subscribes to every Cluster and
 * Listener, then to the ClusterLoadAssignments, RouteConfigurations and Secrets they name (secrets the
 * proxy has locally, such as its own certificate, are never asked for), and feeds what it accepts to an
 * {@link Applier}. Accepted secrets go to the proxy's {@link SecretStore}, where TLS contexts read them at
 * each handshake.
 *
 * <p>Each response is checked by building a candidate snapshot from the resources already accepted
 * plus the new ones ({@link XdsSnapshots#build}). A config error is NACKed (the previous version,
 * the response nonce, error_detail naming the resource and field path) and the old configuration
 * keeps serving. Otherwise the response is ACKed and, once the candidate is complete (every RDS, EDS
 * and secret name it uses has arrived: Envoy's warming), applied. A secret provided locally later (the
 * identity agent's first certificate) completes a warming candidate as well. An apply that fails (a listener
 * that cannot bind) is NACKed as well.
 *
 * <p>When the control plane is unreachable the proxy keeps serving its last configuration; the
 * client reconnects with jittered exponential back-off and resubscribes with the versions it has,
 * so an unchanged control plane sends nothing again.
 *
 * <p>Threading: everything runs on one thread ("weft-xds"), gRPC callbacks included; the status is
 * published as an immutable {@link XdsStatus} through a volatile field.
 */
public final class AdsClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdsClient.class);
    /** A control plane that answers a NACK by resending the same version at once (java-control-plane does) is slowed down this much, doubling per repeat. */
    private static final Backoff REPEATED_NACK = new Backoff(250, 5_000);
    private static final int INVALID_ARGUMENT = Status.Code.INVALID_ARGUMENT.value();

    /** Serves a snapshot the client accepted; called on the client's thread. */
    @FunctionalInterface
    public interface Applier {
        /** @throws IOException when the snapshot cannot be served (a listener that cannot bind); nothing of it was applied */
        void apply(ProxySnapshot snapshot) throws IOException;
    }

    private final ProxySnapshot bootstrap;
    private final XdsSource source;
    private final SecretStore secrets;
    /** Registered with the store while started: a locally provided secret may end warming. */
    private final Consumer<Set<String>> secretListener;
    private final Applier applier;
    private final Backoff backoff;
    private final ChannelCredentials credentials;
    private final ScheduledThreadPoolExecutor executor;
    /** What gRPC calls back on: the client's thread, and nothing once closed. */
    private final Executor callbacks;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<XdsType, TypeState> types = new EnumMap<>(XdsType.class);

    private final LongAdder updateAttempt;
    private final LongAdder updateSuccess;
    private final LongAdder updateRejected;
    private final LongAdder snapshotsApplied;
    private final Map<XdsType, LongAdder> typeSuccess = new EnumMap<>(XdsType.class);
    private final Map<XdsType, LongAdder> typeRejected = new EnumMap<>(XdsType.class);

    private ManagedChannel channel;
    private Stream stream;
    private int failures;
    private String appliedSnapshot;
    private Set<String> warming = Set.of();
    /** The secrets of the last accepted SDS response, compiled. */
    private Map<String, TlsSecret> acceptedSecrets = Map.of();
    private XdsStatus.Rejection lastRejection;
    private volatile boolean connected;
    private volatile XdsStatus status;

    /** Per resource type: what was accepted and what the current stream knows. Confined to the client's thread. */
    private static final class TypeState {
        Map<String, Message> accepted = Map.of();
        /** Whether a response of this type was ever accepted (an empty one counts). */
        boolean received;
        String version = "";
        String appliedVersion = "";
        String nonce = "";
        String error;
        /** RDS, EDS: the names asked for. */
        Set<String> subscribed = Set.of();
        /** The last version rejected and how often in a row, to slow down a control plane that resends it. */
        String rejectedVersion;
        int rejectedRepeats;
    }

    /**
     * @param bootstrap a dynamic snapshot ({@link ProxySnapshot#dynamic()}): where the control plane
     *                  is, the node, and the static listeners and clusters every snapshot keeps
     * @param applier   serves what is accepted
     * @param stats     where the xds.* counters and gauges go
     */
    public AdsClient(ProxySnapshot bootstrap, Applier applier, Stats stats) {
        this(bootstrap, applier, stats, Backoff.DEFAULT);
    }

    /** As {@link #AdsClient(ProxySnapshot, Applier, Stats)}, with the reconnect back-off. */
    public AdsClient(ProxySnapshot bootstrap, Applier applier, Stats stats, Backoff backoff) {
        this(bootstrap, applier, stats, backoff, InsecureChannelCredentials.create());
    }

    /**
     * As {@link #AdsClient(ProxySnapshot, Applier, Stats, Backoff)}, reaching the control plane with
     * {@code credentials} (a sidecar's: TLS with its SVID, see {@code WorkloadIdentity#channelCredentials()})
     * instead of plaintext. Each reconnect handshakes anew, with the certificate and roots current then.
     */
    public AdsClient(ProxySnapshot bootstrap, Applier applier, Stats stats, Backoff backoff,
            ChannelCredentials credentials) {
        this(bootstrap, applier, stats, backoff, credentials, null);
    }

    /**
     * As {@link #AdsClient(ProxySnapshot, Applier, Stats, Backoff, ChannelCredentials)}, sending {@code node}
     * (null: the bootstrap's) in its requests: the proxy adds what it learns only once it runs, such as the
     * admin listener's bound address.
     */
    public AdsClient(ProxySnapshot bootstrap, Applier applier, Stats stats, Backoff backoff,
            ChannelCredentials credentials, Node node) {
        this.credentials = java.util.Objects.requireNonNull(credentials, "credentials");
        if (!bootstrap.dynamic()) {
            throw new IllegalArgumentException("bootstrap " + bootstrap.version() + " has no dynamic_resources");
        }
        this.bootstrap = bootstrap;
        this.source = node == null ? bootstrap.xds() : new XdsSource(bootstrap.xds().clusterName(),
                bootstrap.xds().host(), bootstrap.xds().port(), node);
        this.secrets = bootstrap.secrets();
        this.applier = applier;
        this.backoff = backoff;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "weft-xds");
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        this.callbacks = task -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                // closed: late stream events have no one to tell
            }
        };
        for (XdsType t : XdsType.values()) {
            types.put(t, new TypeState());
            String p = "xds." + t.name().toLowerCase(java.util.Locale.ROOT) + ".";
            stats.tag(p, "xds.type.", "type", t.name().toLowerCase(java.util.Locale.ROOT));
            typeSuccess.put(t, stats.counter(p + "update_success"));
            typeRejected.put(t, stats.counter(p + "update_rejected"));
            stats.gauge(p + "version", () -> versionHash(status, t));
        }
        updateAttempt = stats.counter("xds.update_attempt");
        updateSuccess = stats.counter("xds.update_success");
        updateRejected = stats.counter("xds.update_rejected");
        snapshotsApplied = stats.counter("xds.snapshots_applied");
        stats.gauge("xds.connected", () -> connected ? 1 : 0);
        this.secretListener = names -> callbacks.execute(this::secretsChanged);
        publishStatus();
    }

    /** Opens the ADS stream; returns at once. */
    public void start() {
        secrets.addListener(secretListener);
        callbacks.execute(this::connect);
    }

    /** The client's state now. */
    public XdsStatus status() {
        return status;
    }

    /** Ends the stream and stops reconnecting; what was applied keeps serving. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        secrets.removeListener(secretListener);
        callbacks.execute(() -> {
            if (stream != null) {
                stream.requests.cancel("proxy stopping", null);
                stream = null;
            }
            if (channel != null) {
                channel.shutdownNow();
                channel = null;
            }
            connected = false;
            publishStatus();
        });
        executor.shutdown();
    }

    // ---------------------------------------------------------------- stream

    private void connect() {
        if (closed.get()) {
            return;
        }
        channel = Grpc.newChannelBuilderForAddress(source.host(), source.port(), credentials)
                .executor(callbacks)
                .build();
        Stream s = new Stream(channel);
        stream = s;
        try {
            AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(s);
        } catch (RuntimeException e) {
            streamEnded(s, e.toString());
            return;
        }
        watchConnectivity(s);
        // nonces belong to a stream; versions and subscriptions carry over, so an unchanged
        // control plane has nothing to resend
        for (TypeState st : types.values()) {
            st.nonce = "";
        }
        send(XdsType.CDS, null);
        send(XdsType.LDS, null);
        if (!types.get(XdsType.EDS).subscribed.isEmpty()) {
            send(XdsType.EDS, null);
        }
        if (!types.get(XdsType.RDS).subscribed.isEmpty()) {
            send(XdsType.RDS, null);
        }
        if (!types.get(XdsType.SDS).subscribed.isEmpty()) {
            send(XdsType.SDS, null);
        }
    }

    /** Marks the client connected once the channel is READY with this stream open. */
    private void watchConnectivity(Stream s) {
        if (s != stream) {
            return;
        }
        ConnectivityState now = s.channel.getState(false);
        if (now == ConnectivityState.READY && !connected) {
            connected = true;
            // the back-off starts over only once a response arrives: a server that accepts the
            // connection and then refuses the stream must not be retried ten times a second
            log.info("xDS: connected to {}:{}", source.host(), source.port());
            publishStatus();
        }
        s.channel.notifyWhenStateChanged(now, () -> watchConnectivity(s));
    }

    private void streamEnded(Stream s, String reason) {
        if (s != stream) {
            return;
        }
        stream = null;
        s.channel.shutdownNow();
        if (channel == s.channel) {
            channel = null;
        }
        boolean wasConnected = connected;
        connected = false;
        publishStatus();
        if (closed.get()) {
            return;
        }
        long delay = backoff.delayMillis(failures++);
        if (wasConnected) {
            log.warn("xDS: stream to {}:{} ended ({}); serving the last configuration, reconnecting in {} ms",
                    source.host(), source.port(), reason, delay);
        } else {
            log.debug("xDS: cannot reach {}:{} ({}); retrying in {} ms", source.host(), source.port(), reason, delay);
        }
        try {
            executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // close() ran between the check above and here: there is nothing to reconnect for
        }
    }

    /** Sends the request of {@code type}: an ACK or subscription change, or with {@code error} a NACK. */
    private void send(XdsType type, String error) {
        TypeState st = types.get(type);
        DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder()
                // sent every time, as Envoy does by default: caches group requests by node
                .setNode(source.node())
                .setTypeUrl(type.typeUrl())
                .setVersionInfo(st.version)
                .setResponseNonce(st.nonce);
        if (!type.wildcard()) {
            r.addAllResourceNames(st.subscribed);
        }
        if (error != null) {
            r.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(INVALID_ARGUMENT).setMessage(error));
        }
        stream.requests.onNext(r.build());
    }

    /** One ADS stream; events of a stream that is no longer current are ignored. */
    private final class Stream implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
        final ManagedChannel channel;
        ClientCallStreamObserver<DiscoveryRequest> requests;

        Stream(ManagedChannel channel) {
            this.channel = channel;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requests) {
            this.requests = requests;
        }

        @Override
        public void onNext(DiscoveryResponse response) {
            if (this == stream) {
                onResponse(response);
            }
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            streamEnded(this, s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription()));
        }

        @Override
        public void onCompleted() {
            streamEnded(this, "closed by the control plane");
        }
    }

    // ---------------------------------------------------------------- responses

    private void onResponse(DiscoveryResponse response) {
        failures = 0;
        XdsType type = XdsType.of(response.getTypeUrl());
        if (type == null) {
            log.warn("xDS: ignoring a response of type {}, which was not asked for", response.getTypeUrl());
            return;
        }
        TypeState st = types.get(type);
        st.nonce = response.getNonce();
        updateAttempt.increment();
        String version = response.getVersionInfo();

        Map<String, Message> resources;
        Map<String, TlsSecret> compiledSecrets = null;
        XdsSnapshots.Candidate candidate;
        try {
            resources = type.decode(response.getResourcesList());
            if (type == XdsType.SDS) {
                compiledSecrets = XdsSnapshots.compileSecrets(this.<Secret>accepted(XdsType.SDS, type, resources));
            }
            candidate = XdsSnapshots.build(bootstrap, resourcesWith(type, resources), label(type, version));
        } catch (ConfigException e) {
            reject(type, version, e.getMessage());
            return;
        } catch (RuntimeException e) {
            // a bug, not a config error: still rejected, so the stream (and the old config) stays up
            log.error("xDS: checking {} version {} failed", type, version, e);
            reject(type, version, "internal error: " + e);
            return;
        }
        // As Envoy, which asks for listeners only once clusters are in: nothing is served before
        // both CDS and LDS have arrived, so a first listener never routes to clusters not yet known.
        boolean serve = candidate.complete() && (type == XdsType.CDS || types.get(XdsType.CDS).received)
                && (type == XdsType.LDS || types.get(XdsType.LDS).received);
        if (compiledSecrets != null) {
            // before the listeners and clusters that name them; open connections keep what they negotiated
            secrets.replaceXds(compiledSecrets);
        }
        if (serve) {
            try {
                applier.apply(candidate.snapshot());
            } catch (IOException | RuntimeException e) {
                log.debug("xDS: applying {} version {} failed", type, version, e);
                if (compiledSecrets != null) {
                    secrets.replaceXds(acceptedSecrets);
                }
                reject(type, version, e.getMessage());
                return;
            }
        }
        if (compiledSecrets != null) {
            acceptedSecrets = compiledSecrets;
        }
        st.accepted = resources;
        st.received = true;
        st.version = version;
        st.error = null;
        st.rejectedVersion = null;
        st.rejectedRepeats = 0;
        send(type, null);
        updateSuccess.increment();
        typeSuccess.get(type).increment();

        Set<String> missing = missing(candidate);
        warming = missing;
        if (serve) {
            applied(candidate);
        } else {
            log.info("xDS: accepted {} version {}; waiting for {}", type, version,
                    missing.isEmpty() ? "the first " + (types.get(XdsType.CDS).received ? "LDS" : "CDS") : missing);
        }
        if (type == XdsType.LDS) {
            resubscribe(XdsType.RDS, ResourceNames.routes(st.accepted.values()));
        } else if (type == XdsType.CDS) {
            resubscribe(XdsType.EDS, ResourceNames.endpoints(st.accepted.values()));
        }
        if (type == XdsType.LDS || type == XdsType.CDS) {
            resubscribe(XdsType.SDS, secretNames());
        }
        publishStatus();
    }

    private static Set<String> missing(XdsSnapshots.Candidate candidate) {
        Set<String> missing = new TreeSet<>(candidate.missingRoutes());
        missing.addAll(candidate.missingEndpoints());
        missing.addAll(candidate.missingSecrets());
        return missing;
    }

    /** Records that {@code candidate} (made of the accepted versions of every type) is served now. */
    private void applied(XdsSnapshots.Candidate candidate) {
        for (Map.Entry<XdsType, TypeState> e : types.entrySet()) {
            e.getValue().appliedVersion = e.getValue().version;
        }
        appliedSnapshot = candidate.snapshot().version();
        snapshotsApplied.increment();
        log.info("xDS: serving {}", appliedSnapshot);
    }

    /** The secrets accepted listeners and clusters fetch over ADS, less those the proxy has locally or statically. */
    private Set<String> secretNames() {
        Set<String> names = ResourceNames.secrets(types.get(XdsType.LDS).accepted.values(),
                types.get(XdsType.CDS).accepted.values());
        names.removeIf(secrets::isStaticOrLocal);
        return names;
    }

    /**
     * The store changed (a secret provided locally, the agent's renewed certificate): local names leave the
     * SDS subscription, and a configuration that waited for one of them is served once complete.
     */
    private void secretsChanged() {
        if (closed.get()) {
            return;
        }
        resubscribe(XdsType.SDS, secretNames());
        boolean firstPending = appliedSnapshot == null && types.get(XdsType.CDS).received && types.get(XdsType.LDS).received;
        if (warming.isEmpty() && !firstPending) {
            return;
        }
        XdsSnapshots.Candidate candidate;
        try {
            candidate = XdsSnapshots.build(bootstrap, resourcesWith(null, Map.of()), label(null, null));
        } catch (ConfigException | RuntimeException e) {
            // accepted resources built before: what changed is a local secret (of the wrong kind, say)
            log.warn("xDS: the accepted configuration does not build with the secrets now: {}", e.getMessage());
            return;
        }
        warming = missing(candidate);
        if (candidate.complete()) {
            try {
                applier.apply(candidate.snapshot());
                applied(candidate);
            } catch (IOException | RuntimeException e) {
                log.warn("xDS: applying {} failed: {}", candidate.snapshot().version(), e.getMessage());
            }
        }
        publishStatus();
    }

    /** Asks for {@code names} of {@code type} when they differ from what was asked before. */
    private void resubscribe(XdsType type, Set<String> names) {
        TypeState st = types.get(type);
        if (names.equals(st.subscribed)) {
            return;
        }
        st.subscribed = Set.copyOf(new TreeSet<>(names));
        // An empty name list would be a wildcard subscription; with nothing to ask for, the
        // previous request simply stays (what it brings is not used).
        if (!names.isEmpty()) {
            send(type, null);
        }
    }

    /**
     * NACKs a response: the last accepted version, this response's nonce, the reason. The same
     * version rejected again in a row is NACKed after a growing delay: a control plane that answers
     * a NACK by resending at once would otherwise spin.
     */
    private void reject(XdsType type, String version, String reason) {
        TypeState st = types.get(type);
        st.error = reason;
        lastRejection = new XdsStatus.Rejection(type, version, reason, Instant.now());
        updateRejected.increment();
        typeRejected.get(type).increment();
        long delay = 0;
        if (version.equals(st.rejectedVersion)) {
            delay = REPEATED_NACK.delayMillis(st.rejectedRepeats++);
        } else {
            st.rejectedVersion = version;
            st.rejectedRepeats = 0;
            log.warn("xDS: rejected {} version {}: {}", type, version, reason);
        }
        publishStatus();
        Stream s = stream;
        String nonce = st.nonce;
        Runnable nack = () -> {
            // a newer response (or stream) supersedes this one
            if (stream == s && nonce.equals(st.nonce)) {
                send(type, reason);
            }
        };
        if (delay == 0) {
            nack.run();
        } else {
            executor.schedule(nack, delay, TimeUnit.MILLISECONDS);
        }
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> Map<String, T> accepted(XdsType type, XdsType replaced, Map<String, Message> with) {
        return (Map<String, T>) (type == replaced ? with : types.get(type).accepted);
    }

    private XdsResources resourcesWith(XdsType type, Map<String, Message> resources) {
        Map<String, Listener> listeners = accepted(XdsType.LDS, type, resources);
        Map<String, RouteConfiguration> routes = accepted(XdsType.RDS, type, resources);
        Map<String, Cluster> clusters = accepted(XdsType.CDS, type, resources);
        Map<String, ClusterLoadAssignment> endpoints = accepted(XdsType.EDS, type, resources);
        Map<String, Secret> secretResources = accepted(XdsType.SDS, type, resources);
        return new XdsResources(listeners, routes, clusters, endpoints, secretResources);
    }

    /** The version label of a snapshot: the versions of the four types it is made of. */
    private String label(XdsType type, String version) {
        StringBuilder sb = new StringBuilder("xds");
        for (XdsType t : XdsType.values()) {
            sb.append(' ').append(t.name().toLowerCase(java.util.Locale.ROOT)).append('=')
                    .append(t == type ? version : types.get(t).version);
        }
        return sb.toString();
    }

    private void publishStatus() {
        Map<XdsType, XdsStatus.TypeStatus> out = new LinkedHashMap<>();
        for (Map.Entry<XdsType, TypeState> e : types.entrySet()) {
            TypeState st = e.getValue();
            out.put(e.getKey(), new XdsStatus.TypeStatus(st.version, st.appliedVersion, st.nonce,
                    new ArrayList<>(st.accepted.keySet()), List.copyOf(st.subscribed), st.error));
        }
        status = new XdsStatus(source.host() + ":" + source.port(), source.node().getId(), connected, appliedSnapshot,
                List.copyOf(warming), out, lastRejection);
    }

    /** The stat of a version, a number as Envoy's {@code version} gauges: a hash of the applied version, 0 before any. */
    private static long versionHash(XdsStatus status, XdsType type) {
        String v = status == null ? "" : status.types().get(type).appliedVersion();
        return v.isEmpty() ? 0 : XxHash64.hash(v.getBytes(StandardCharsets.UTF_8)) >>> 1;
    }
}
