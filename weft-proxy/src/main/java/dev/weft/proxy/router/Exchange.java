package dev.weft.proxy.router;

import dev.weft.proxy.http.LocalReply;
import dev.weft.proxy.http.WeftError;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.rbac.RbacVerdict;
import dev.weft.proxy.route.MirrorPolicy;
import dev.weft.proxy.route.RetryPolicy;
import dev.weft.proxy.route.RouteEntry;
import dev.weft.proxy.upstream.CircuitBreakers;
import dev.weft.proxy.upstream.RawBytes;
import dev.weft.proxy.upstream.UpstreamCluster;
import dev.weft.proxy.upstream.UpstreamConnectException;
import dev.weft.proxy.upstream.UpstreamListener;
import dev.weft.proxy.upstream.UpstreamOverflowException;
import dev.weft.proxy.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The router for one request: matches a route, picks an endpoint, streams the request to it and
 * the response back, and applies timeouts and retries. Everything runs on the downstream's event
 * loop; the upstream stream comes from that loop's pool.
 *
 * <p>A retry replays only a request body the exchange still holds: body parts are kept (as
 * retained buffers) until they pass the cluster's per_connection_buffer_limit_bytes, after which
 * the request is no longer retried. Nothing is retried once response headers went downstream.
 *
 * <p>Circuit breakers: an attempt holds one of the cluster's max_requests slots while it runs, and
 * a retry one of its max_retries slots from when it is scheduled until the exchange ends or the
 * next retry; a request over either limit is not sent (or not retried). Mirrors of the request
 * ({@link Mirror}) get copies of its head and body and are otherwise independent of it.
 *
 * <p>Reference counting: the exchange owns every request object the downstream hands it and every
 * response object the upstream hands it. Each is written on (passing ownership) or released;
 * body parts kept for replay are released when the exchange ends.
 */
public final class Exchange implements UpstreamListener {
    /** Request body held while no upstream is connected, before reading is paused. */
    private static final int PENDING_LIMIT = 64 * 1024;
    private static final io.netty.util.AsciiString HTTP2_SETTINGS = io.netty.util.AsciiString.cached("http2-settings");
    /** Envoy's wording of an RBAC denial; the denying policy stays out of the response. */
    private static final String RBAC_DENIED_TEXT = "RBAC: access denied";

    private final ListenerContext ctx;
    private final Downstream downstream;
    private final EventLoop loop;
    private final SocketAddress remote;
    /** What this exchange did, for the telemetry observers. */
    private final RequestInfo info;
    private final ExchangeObserver[] observers;
    /** The response was cut off midway (downstream aborted): the exchange did not complete. */
    private boolean aborted;

    private HttpRequest request;
    private boolean grpc;
    /** The request carries no body: known from its head, before its end is read. */
    private boolean bodyless;
    /** This attempt's request ended with its HTTP/2 HEADERS frame; body messages are not sent. */
    private boolean endedWithHeaders;
    private boolean headRequest;
    /** The HTTP/1.1 request asked to upgrade the connection; the decoder waits for a decision. */
    private boolean upgradeRequested;
    private boolean upgrade;
    private boolean upgraded;
    /** What the listener's RBAC filters decided (for the access log); null without RBAC filters or before the head. */
    private RbacVerdict authorization;
    private RouteEntry route;
    private RouteEntry.Backend backend;
    private UpstreamCluster cluster;
    private RetryPolicy retry;
    private OptionalLong hash = OptionalLong.empty();

    /** Request body waiting for an upstream stream; created on first use, as most requests never wait. */
    private ArrayDeque<HttpContent> pending;
    private long pendingBytes;
    private List<HttpContent> replay;
    private long replayBytes;
    private boolean replayable;
    private long requestBodyBytes;
    private boolean requestComplete;
    private boolean discardRequest;

    private UpstreamStream stream;
    /** The pending acquisition of this attempt's stream: cancelled when the attempt is abandoned. */
    private Future<UpstreamStream> acquiring;
    private Endpoint endpoint;
    /** Endpoints earlier attempts used, for a retry policy with previous_hosts; null until a retry needs it. */
    private ArrayList<Endpoint> triedEndpoints;
    private int attempt;
    /** Whether this exchange holds a max_retries slot of its cluster. */
    private boolean holdsRetry;
    /** Copies of this request still receiving its body; null when none (the common case). */
    private ArrayList<Mirror> mirrors;
    /**
     * The one timer for request_timeout, stream_idle_timeout and the route timeout: it fires at
     * the earliest of their deadlines, and {@link #onTimer} acts on what is due and re-arms it.
     * One timer per request instead of one per timeout, and on HTTP/1.1 the connection's
     * {@link DeadlineTimer}, which does not schedule a task per request at all. Per-try and
     * back-off timers, which only retries use, are separate.
     */
    private final DeadlineTimer timer;
    /** Whether this exchange's task is armed on {@link #timer}, for {@link #timerAt}. */
    private boolean timerArmed;
    private long timerAt;
    private final Runnable timerTask = this::onTimer;
    private long requestDeadline;
    /** Whether the route timeout runs (from the end of the request), ending at routeDeadline. */
    private boolean routeTimed;
    private long routeDeadline;
    private ScheduledFuture<?> perTryTimer;
    private ScheduledFuture<?> backoffTimer;
    private long lastActivityNanos;

    private boolean responseStarted;
    private boolean skipInterim;
    private boolean done;
    private int status;

    public Exchange(ListenerContext ctx, Downstream downstream, SocketAddress remote) {
        this.ctx = ctx;
        this.downstream = downstream;
        this.loop = downstream.eventLoop();
        this.remote = remote;
        this.observers = ctx.observers();
        this.timer = downstream.deadlineTimer();
        this.info = new RequestInfo(ctx.spec().name(), ctx.spec().direction(), downstream.connection(), remote,
                downstream.http2());
    }

    /** What this exchange did so far. */
    public RequestInfo info() {
        return info;
    }

    /** Whether the response has been completely handed to the downstream (or the exchange cancelled). */
    public boolean isDone() {
        return done;
    }

    /**
     * What the listener's RBAC filters decided about this request, including the policy that denied it;
     * null when the listener has none or the request head has not been read.
     */
    public RbacVerdict authorization() {
        return authorization;
    }

    // ---------------------------------------------------------------- request side

    /** A request head, body part or (after an upgrade) raw bytes from the downstream; the exchange owns it. */
    public void onRequest(Object msg) {
        assert loop.inEventLoop();
        lastActivityNanos = System.nanoTime();
        if (msg instanceof FullHttpRequest full) {
            HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            bodyless = !full.content().isReadable() && full.trailingHeaders().isEmpty();
            onHead(head);
            onContent(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        } else if (msg instanceof HttpRequest head) {
            // HTTP/1.1 framing says from the head alone whether a body follows; an HTTP/2 request
            // without one arrives as a FullHttpRequest (END_STREAM on HEADERS).
            bodyless = !downstream.http2() && !HttpUtil.isTransferEncodingChunked(head)
                    && HttpUtil.getContentLength(head, 0L) == 0;
            onHead(head);
        } else if (msg instanceof HttpContent c) {
            onContent(c);
        } else if (msg instanceof ByteBuf raw && upgraded && stream != null) {
            stream.write(raw);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The downstream finished one read: flush what was relayed upstream. */
    public void onRequestReadComplete() {
        if (stream != null) {
            stream.flush();
        }
        if (mirrors != null) {
            for (int i = 0; i < mirrors.size(); i++) {
                mirrors.get(i).flush();
            }
        }
    }

    /** The downstream can take more response bytes. */
    public void onDownstreamWritable() {
        if (stream != null) {
            stream.setAutoRead(true);
        }
    }

    private void onHead(HttpRequest req) {
        ctx.rqTotal.increment();
        ctx.rqActive.increment();
        request = req;
        grpc = LocalReply.isGrpc(req);
        headRequest = HttpMethod.HEAD.equals(req.method());
        upgradeRequested = !downstream.http2() && HttpVersion.HTTP_1_1.equals(req.protocolVersion())
                && req.headers().contains(HttpHeaderNames.UPGRADE)
                && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
        toOriginForm(req);
        info.requestStarted(req, lastActivityNanos);
        for (ExchangeObserver o : observers) {
            o.onRequestHead(info, req);
        }

        // RBAC runs first, as Envoy's filters do before its router: a denied request is never routed.
        authorization = ctx.authorize(req, downstream.connection(), remote);
        info.authorized(authorization);
        if (authorization != null && authorization.denied()) {
            startTimers(null);
            ctx.recordError(WeftError.RBAC_DENIED);
            info.failed(WeftError.RBAC_DENIED);
            respondLocally(LocalReply.createVerbatim(downstream.alloc(), WeftError.RBAC_DENIED, RBAC_DENIED_TEXT,
                    grpc, headRequest));
            return;
        }

        RouteEntry r;
        try {
            r = ctx.settings().routes().match(req);
        } catch (RuntimeException e) {
            startTimers(null);
            localReply(WeftError.BAD_REQUEST, "request could not be matched: " + e.getMessage());
            return;
        }
        startTimers(r);
        if (r == null) {
            localReply(WeftError.NO_ROUTE, "no route matches " + req.headers().get(HttpHeaderNames.HOST) + pathOf(req.uri()));
            return;
        }
        route = r;
        info.routed(r.name(), null);
        switch (r.kind()) {
            case DIRECT_RESPONSE -> respondLocally(r.directResponse(downstream.alloc()));
            case REDIRECT -> respondLocally(r.redirectResponse(req, downstream.secure()));
            case FORWARD -> forward(req, r);
        }
    }

    private void forward(HttpRequest req, RouteEntry r) {
        backend = r.pickBackend();
        info.routed(r.name(), backend.cluster());
        cluster = ctx.clusters().get(backend.cluster());
        if (cluster == null) {
            localReply(WeftError.CLUSTER_NOT_FOUND, "route " + r.name() + " names cluster " + backend.cluster()
                    + ", which does not exist");
            return;
        }
        info.clusterResolved(cluster.spec());
        if (upgradeRequested) {
            String upgradeType = req.headers().get(HttpHeaderNames.UPGRADE).trim().toLowerCase(java.util.Locale.ROOT);
            if (upgradeType.equals("h2c")) {
                // As Envoy: an h2c upgrade offer (the JDK HttpClient sends one by default) is
                // declined by carrying on in HTTP/1.1; its headers are hop-by-hop and dropped.
                req.headers().remove(HTTP2_SETTINGS);
                declineUpgrade();
            } else if (!ctx.settings().upgradeTypes().contains(upgradeType)) {
                localReply(WeftError.UPGRADE_FAILED, "upgrade to " + upgradeType + " is not enabled on this listener");
                return;
            } else {
                upgrade = true;
            }
        }
        if (HttpUtil.is100ContinueExpected(req)) {
            // The proxy answers Expect itself and streams the body on; the upstream never sees it.
            req.headers().remove(HttpHeaderNames.EXPECT);
            if (!downstream.http2()) {
                downstream.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
                downstream.flush();
            }
        }
        Headers.removeHopByHop(req.headers(), upgrade);
        String ip = ctx.settings().useRemoteAddress() ? downstream.remoteIp() : null;
        Headers.addForwardingHeaders(req.headers(), ip, downstream.secure(), ctx.settings().generateRequestId());
        hash = r.hash(req, remote);
        r.rewriteRequest(req, backend);
        retry = r.retryPolicy();
        replayable = retry != null && retry.numRetries() > 0 && !upgrade;
        replay = replayable ? new ArrayList<>(4) : null;
        if (!upgrade && !r.mirrorPolicies().isEmpty()) {
            startMirrors(req, r);
        }
        startAttempt();
    }

    /** Starts a copy of the request for each mirror policy that samples it; they get the body in onContent. */
    private void startMirrors(HttpRequest req, RouteEntry r) {
        List<MirrorPolicy> policies = r.mirrorPolicies();
        for (int i = 0; i < policies.size(); i++) {
            MirrorPolicy p = policies.get(i);
            if (!p.sample()) {
                continue;
            }
            UpstreamCluster target = ctx.clusters().get(p.cluster());
            if (target == null) {
                continue; // as Envoy: a mirror to a cluster that does not exist is skipped
            }
            Mirror m = Mirror.start(ctx.pools(), loop, target, req, p.appendHostSuffix(), hash, bodyless, r.timeoutMillis());
            if (m != null) {
                if (mirrors == null) {
                    mirrors = new ArrayList<>(policies.size());
                }
                mirrors.add(m);
            }
        }
    }

    /** The request ends without its whole body: mirrors still waiting for it are cancelled. */
    private void abandonMirrors() {
        if (mirrors != null) {
            for (int i = 0; i < mirrors.size(); i++) {
                mirrors.get(i).requestAbandoned();
            }
            mirrors = null;
        }
    }

    private void onContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (mirrors != null) {
            // before the exchange passes c on: each mirror takes its own reference
            for (int i = 0; i < mirrors.size(); i++) {
                mirrors.get(i).onContent(c);
            }
            if (last) {
                mirrors = null;
            }
        }
        if (discardRequest || done) {
            if (last) {
                info.requestEnded(lastActivityNanos, requestBodyBytes + c.content().readableBytes());
            }
            c.release();
            if (last) {
                requestComplete = true;
                if (discardRequest && !done) {
                    complete(true);
                }
            }
            return;
        }
        int bytes = c.content().readableBytes();
        requestBodyBytes += bytes;
        if (bytes > 0) {
            for (ExchangeObserver o : observers) {
                o.onRequestContent(info, c.content());
            }
        }
        boolean kept = false;
        if (replayable) {
            if (replayBytes + bytes > cluster.spec().perConnectionBufferLimitBytes()) {
                // Too large to replay: what was kept is either on the wire already or still to be sent.
                replayable = false;
                for (HttpContent k : replay) {
                    if (stream != null) {
                        k.release();
                    } else {
                        addPending(k);
                    }
                }
                replay = null;
            } else {
                replay.add(c);
                replayBytes += bytes;
                kept = true;
                if (stream != null) {
                    sendBody(c.retainedDuplicate());
                }
            }
        }
        if (!kept) {
            if (stream != null) {
                sendBody(c);
            } else {
                addPending(c);
            }
        }
        if (last) {
            requestComplete = true;
            info.requestEnded(lastActivityNanos, requestBodyBytes);
            startRouteTimer();
            if (stream != null) {
                startPerTryTimer();
            }
        }
        if (stream != null ? !stream.isWritable() : (pendingBytes > PENDING_LIMIT || replayBytes > PENDING_LIMIT)) {
            downstream.setRequestReading(false);
        }
    }

    // ---------------------------------------------------------------- attempts

    private void startAttempt() {
        if (done) {
            return;
        }
        attempt++;
        backoffTimer = null;
        Endpoint e = cluster.loadBalancer().choose(hash);
        if (e != null && attempt > 1 && retry != null && retry.hostReselections() > 0) {
            e = avoidTriedEndpoints(e);
        }
        if (e == null) {
            cluster.stats().noHealthyUpstream.increment();
            fail(WeftError.NO_HEALTHY_UPSTREAM, "no healthy endpoint in cluster " + cluster.name());
            return;
        }
        CircuitBreakers breakers = cluster.breakers();
        if (!breakers.tryRequest()) {
            cluster.stats().rqPendingOverflow.increment();
            fail(WeftError.OVERFLOW, "cluster " + cluster.name() + " has " + breakers.maxRequests()
                    + " requests in flight (max_requests)");
            return;
        }
        endpoint = e;
        info.attemptStarted(e);
        if (retry != null && retry.hostReselections() > 0 && attempt <= retry.numRetries()) {
            if (triedEndpoints == null) {
                triedEndpoints = new ArrayList<>(2);
            }
            triedEndpoints.add(e);
        }
        e.requestStarted();
        cluster.stats().rqTotal.increment();
        cluster.stats().rqActive.increment();
        Future<UpstreamStream> f = ctx.pools().acquire(cluster, e, loop, upgrade);
        int thisAttempt = attempt;
        if (f.isDone()) {
            onStreamReady(f, thisAttempt);
        } else {
            acquiring = f;
            f.addListener(x -> onStreamReady(f, thisAttempt));
        }
    }

    /**
     * Writes a request head to an upstream stream, framed for its protocol: chunked on HTTP/1.1 when
     * a body of unknown length may follow; on HTTP/2 a request without a body ends with its HEADERS.
     *
     * @return whether the head ended the request, so that no body follows it
     */
    static boolean writeHead(UpstreamStream s, HttpRequest head, boolean bodyless, boolean mayHaveBody) {
        boolean http1 = "HTTP/1.1".equals(s.protocol());
        Headers.removeConversionHeaders(head.headers());
        if (http1 && mayHaveBody && !HttpUtil.isContentLengthSet(head)) {
            HttpUtil.setTransferEncodingChunked(head, true);
        } else {
            head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        }
        boolean ended = bodyless && !http1;
        if (ended) {
            // END_STREAM on HEADERS tells the upstream at once that no body follows; an empty DATA
            // frame later would leave it expecting one (Netty's codec marks such a request chunked).
            s.write(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                    Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE));
        } else {
            s.write(head);
        }
        return ended;
    }

    /**
     * previous_hosts: picks again, at most hostReselections times, while the balancer returns an
     * endpoint an earlier attempt used; the last pick stands (as in Envoy) when nothing else is found.
     */
    private Endpoint avoidTriedEndpoints(Endpoint first) {
        Endpoint e = first;
        for (int i = 0; i < retry.hostReselections() && triedEndpoints.contains(e); i++) {
            Endpoint next = cluster.loadBalancer().choose(hash);
            if (next == null) {
                break;
            }
            e = next;
        }
        return e;
    }

    private void onStreamReady(Future<UpstreamStream> f, int forAttempt) {
        if (acquiring == f) {
            acquiring = null;
        }
        if (done || forAttempt != attempt || endpoint == null) {
            if (f.isSuccess()) {
                f.getNow().reset();
            }
            return;
        }
        if (!f.isSuccess()) {
            endAttempt();
            Throwable cause = f.cause();
            if (cause instanceof UpstreamOverflowException) {
                // as Envoy: an overflow is never retried, retrying would only add to the queue
                fail(WeftError.OVERFLOW, cause.getMessage());
                return;
            }
            boolean timeout = cause instanceof UpstreamConnectException uce && uce.isTimeout();
            boolean retriable = retry != null && retry.retryOnConnectFailure();
            maybeRetry(retriable, timeout ? WeftError.UPSTREAM_CONNECT_TIMEOUT : WeftError.UPSTREAM_CONNECT_FAILURE,
                    cause.getMessage());
            return;
        }
        UpstreamStream s = f.getNow();
        stream = s;
        s.listener(this);
        info.upstreamConnected(s.channel());
        for (ExchangeObserver o : observers) {
            o.onUpstreamRequest(info, request);
        }
        endedWithHeaders = writeHead(s, request, bodyless,
                !upgrade && !bodyless && !(requestComplete && requestBodyBytes == 0));
        info.upstreamStarted(System.nanoTime());
        if (replay != null) {
            for (HttpContent c : replay) {
                sendBody(c.retainedDuplicate());
            }
        }
        if (pending != null) {
            HttpContent p;
            while ((p = pending.poll()) != null) {
                sendBody(p);
            }
            pendingBytes = 0;
        }
        if (!downstream.readInProgress()) {
            // otherwise the read's end flushes the head together with the body that came with it
            s.flush();
        }
        if (requestComplete) {
            startPerTryTimer();
        }
        downstream.setRequestReading(s.isWritable());
    }

    private void addPending(HttpContent c) {
        if (pending == null) {
            pending = new ArrayDeque<>(4);
        }
        pending.add(c);
        pendingBytes += c.content().readableBytes();
    }

    /** Passes a request body message to the upstream stream, or drops it if the request already ended there. */
    private void sendBody(HttpContent c) {
        if (endedWithHeaders) {
            c.release();
        } else {
            stream.write(c);
        }
    }

    private void endAttempt() {
        cancel(perTryTimer);
        perTryTimer = null;
        if (endpoint != null) {
            endpoint.requestFinished();
            cluster.stats().rqActive.decrement();
            cluster.breakers().requestFinished();
            endpoint = null;
        }
        Future<UpstreamStream> a = acquiring;
        if (a != null) {
            // after endpoint is cleared: the cancellation reaches onStreamReady, which then ignores it
            acquiring = null;
            a.cancel(false);
        }
    }

    private boolean canRetry() {
        return retry != null && !responseStarted && !upgrade && replayable && attempt <= retry.numRetries();
    }

    private void maybeRetry(boolean retriable, WeftError error, String reason) {
        if (retriable && canRetry() && takeRetrySlot()) {
            scheduleRetry();
        } else {
            fail(error, reason);
        }
    }

    /**
     * Takes a max_retries slot for the next retry, giving back the one of the previous retry;
     * false (counted as retry overflow) when the cluster is at its limit.
     */
    private boolean takeRetrySlot() {
        releaseRetrySlot();
        if (!cluster.breakers().tryRetry()) {
            cluster.stats().rqRetryOverflow.increment();
            return false;
        }
        holdsRetry = true;
        return true;
    }

    private void releaseRetrySlot() {
        if (holdsRetry) {
            holdsRetry = false;
            cluster.breakers().retryFinished();
        }
    }

    private void scheduleRetry() {
        cluster.stats().rqRetry.increment();
        backoffTimer = loop.schedule(this::startAttempt, retry.backoffMillis(attempt), TimeUnit.MILLISECONDS);
    }

    /**
     * Arms the exchange's timer for request_timeout (until the request is fully received),
     * stream_idle_timeout (no activity either way) and, for a forwarded request, the earliest
     * moment its route timeout could end: that timeout counts from the end of the request, so
     * the timer armed here is usually the only one the request needs.
     */
    private void startTimers(RouteEntry r) {
        long now = lastActivityNanos;
        long next = 0;
        boolean any = false;
        long requestTimeout = ctx.settings().requestTimeoutMillis();
        if (requestTimeout > 0) {
            requestDeadline = now + TimeUnit.MILLISECONDS.toNanos(requestTimeout);
            next = requestDeadline;
            any = true;
        }
        long idleTimeout = ctx.settings().streamIdleTimeoutMillis();
        if (idleTimeout > 0) {
            long idleDeadline = now + TimeUnit.MILLISECONDS.toNanos(idleTimeout);
            next = any ? earliest(next, idleDeadline) : idleDeadline;
            any = true;
        }
        if (r != null && r.kind() == RouteEntry.Kind.FORWARD && r.timeoutMillis() > 0) {
            long routeEarliest = now + TimeUnit.MILLISECONDS.toNanos(r.timeoutMillis());
            next = any ? earliest(next, routeEarliest) : routeEarliest;
            any = true;
        }
        if (any) {
            arm(next);
        }
    }

    /** Makes the timer fire no later than {@code deadline} (a System.nanoTime() value). */
    private void arm(long deadline) {
        if (done || (timerArmed && timerAt - deadline <= 0)) {
            return;
        }
        timerArmed = true;
        timerAt = deadline;
        timer.arm(timerTask, deadline);
    }

    private static long earliest(long a, long b) {
        return a - b <= 0 ? a : b;
    }

    /** Acts on the earliest deadline that has passed, if any, else waits for the next one. */
    private void onTimer() {
        timerArmed = false;
        if (done) {
            return;
        }
        long now = System.nanoTime();
        boolean request = ctx.settings().requestTimeoutMillis() > 0 && !requestComplete;
        long idleTimeout = ctx.settings().streamIdleTimeoutMillis();
        long idleDeadline = lastActivityNanos + TimeUnit.MILLISECONDS.toNanos(idleTimeout);
        // The deadline that passed first acts; the others are void once the exchange has failed.
        int due = 0;
        long dueAt = 0;
        if (request && requestDeadline - now <= 0) {
            due = 1;
            dueAt = requestDeadline;
        }
        if (routeTimed && routeDeadline - now <= 0 && (due == 0 || routeDeadline - dueAt < 0)) {
            due = 2;
            dueAt = routeDeadline;
        }
        if (idleTimeout > 0 && idleDeadline - now <= 0 && (due == 0 || idleDeadline - dueAt < 0)) {
            due = 3;
        }
        switch (due) {
            case 1 -> failClosing(WeftError.REQUEST_TIMEOUT, "the request was not received within the request timeout of "
                    + ctx.settings().requestTimeoutMillis() + " ms");
            case 2 -> onRouteTimeout();
            case 3 -> failClosing(WeftError.STREAM_IDLE_TIMEOUT, "no activity on the stream for " + idleTimeout + " ms");
            default -> {
                boolean any = false;
                long next = 0;
                if (request) {
                    next = requestDeadline;
                    any = true;
                }
                if (routeTimed) {
                    next = any ? earliest(next, routeDeadline) : routeDeadline;
                    any = true;
                }
                if (idleTimeout > 0) {
                    next = any ? earliest(next, idleDeadline) : idleDeadline;
                    any = true;
                }
                if (any) {
                    arm(next);
                }
            }
        }
    }

    /** Like fail(), but the downstream connection or stream is not reused: the request may be half read. */
    private void failClosing(WeftError error, String reason) {
        if (done) {
            return;
        }
        boolean started = responseStarted;
        fail(error, reason);
        if (!started && !done) {
            complete(false);
        }
    }

    private void startRouteTimer() {
        if (route == null || route.kind() != RouteEntry.Kind.FORWARD || upgrade || routeTimed) {
            return;
        }
        long t = route.timeoutMillis();
        if (t > 0) {
            routeTimed = true;
            routeDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(t);
            arm(routeDeadline);
        }
    }

    private void onRouteTimeout() {
        if (done) {
            return;
        }
        cluster.stats().rqTimeout.increment();
        fail(WeftError.UPSTREAM_TIMEOUT, "no complete response within the route timeout of " + route.timeoutMillis() + " ms");
    }

    private void startPerTryTimer() {
        if (retry == null || retry.perTryTimeoutMillis() <= 0 || responseStarted) {
            return;
        }
        cancel(perTryTimer);
        int forAttempt = attempt;
        perTryTimer = loop.schedule(() -> onPerTryTimeout(forAttempt), retry.perTryTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    private void onPerTryTimeout(int forAttempt) {
        if (done || forAttempt != attempt || responseStarted) {
            return;
        }
        cluster.stats().rqPerTryTimeout.increment();
        UpstreamStream s = stream;
        stream = null;
        if (s != null) {
            s.reset();
        }
        perTryTimer = null;
        endAttempt();
        maybeRetry(retry.retriableStatus(504), WeftError.UPSTREAM_TIMEOUT,
                "no response headers within the per-try timeout of " + retry.perTryTimeoutMillis() + " ms");
    }

    // ---------------------------------------------------------------- response side

    @Override
    public void onResponse(HttpObject msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastActivityNanos = System.nanoTime();
        if (msg instanceof RawBytes raw) {
            info.responseBytes(raw.content().readableBytes());
            downstream.write(raw.content());
            if (!downstream.isWritable() && stream != null) {
                stream.setAutoRead(false);
            }
            return;
        }
        if (msg instanceof FullHttpResponse full) {
            if (!full.content().isReadable() && full.trailingHeaders().isEmpty() && full.status().code() >= 200) {
                // A response of headers only (HTTP/2: HEADERS with END_STREAM, as gRPC's trailers-only
                // status) stays one message, so an HTTP/2 downstream's stream also ends on HEADERS:
                // gRPC clients reject a status in headers followed by an empty DATA frame.
                if (onResponseHead(full)) {
                    finishResponse();
                } else {
                    full.release();
                }
                return;
            }
            onResponseHead(new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers()));
            onResponse(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            return;
        }
        if (msg instanceof HttpResponse head) {
            onResponseHead(head);
            return;
        }
        HttpContent c = (HttpContent) msg;
        if (skipInterim || !responseStarted) {
            if (c instanceof LastHttpContent) {
                skipInterim = false;
            }
            c.release();
            return;
        }
        relayed(c);
        downstream.write(c);
        if (c instanceof LastHttpContent) {
            if (upgraded) {
                downstream.flush();
                downstream.upgradeAccepted();
                return;
            }
            finishResponse();
        } else if (!downstream.isWritable() && stream != null) {
            stream.setAutoRead(false);
        }
    }

    /** Relays a response head; false when it was dropped (interim, or retried). */
    private boolean onResponseHead(HttpResponse head) {
        int code = head.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            skipInterim = true; // interim responses are not relayed; the proxy answered Expect itself
            return false;
        }
        if (retry != null && (retry.retriableStatus(code) || (grpc && retriableGrpc(head))) && canRetry()
                && takeRetrySlot()) {
            // this response is dropped: the connection (HTTP/1.1) or stream (HTTP/2) goes with it
            cluster.stats().recordStatus(code);
            UpstreamStream s = stream;
            stream = null;
            s.reset();
            endAttempt();
            scheduleRetry();
            return false;
        }
        responseStarted = true;
        status = code;
        info.upstreamResponded(lastActivityNanos);
        cancel(perTryTimer);
        perTryTimer = null;
        cluster.stats().recordStatus(code);
        if (upgrade) {
            if (code == 101) {
                upgraded = true;
                routeTimed = false;
            } else {
                declineUpgrade();
            }
        }
        route.rewriteResponse(head, backend);
        Headers.removeHopByHop(head.headers(), upgraded);
        responseHead(head);
        if (head instanceof FullHttpResponse full) {
            relayed(full);
        }
        downstream.prepareResponse(head, headRequest);
        downstream.write(head);
        return true;
    }

    /** Tells the observers about the response head about to go downstream. */
    private void responseHead(HttpResponse head) {
        info.responseStarted(head.status().code(), head.headers(), System.nanoTime());
        if (grpc) {
            String s = head.headers().get(LocalReply.GRPC_STATUS);
            if (s != null) {
                info.grpcStatus(s);
            }
        }
        for (ExchangeObserver o : observers) {
            o.onResponseHead(info, head);
        }
    }

    /** Accounts for (and shows the observers) a response body part about to go downstream. */
    private void relayed(HttpContent c) {
        ByteBuf content = c.content();
        int n = content.readableBytes();
        if (n > 0) {
            info.responseBytes(n);
            for (ExchangeObserver o : observers) {
                o.onResponseContent(info, content);
            }
        }
        if (grpc && c instanceof LastHttpContent last) {
            String s = last.trailingHeaders().get(LocalReply.GRPC_STATUS);
            if (s != null) {
                info.grpcStatus(s);
            }
        }
    }

    private boolean retriableGrpc(HttpResponse head) {
        String s = head.headers().get(LocalReply.GRPC_STATUS);
        if (s == null) {
            return false;
        }
        try {
            return retry.retriableGrpcStatus(Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void finishResponse() {
        downstream.flush();
        UpstreamStream s = stream;
        stream = null;
        endAttempt();
        if (s != null) {
            if (requestComplete) {
                s.release();
            } else {
                s.reset();
            }
        }
        complete(requestComplete);
    }

    @Override
    public void onReadComplete() {
        downstream.flush();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        downstream.setRequestReading(writable);
    }

    @Override
    public void onReset(String reason, boolean refused) {
        if (done) {
            return;
        }
        if (attemptLost()) {
            return;
        }
        cluster.stats().rqReset.increment();
        boolean retriable = retry != null && (refused ? retry.retryOnRefusedStream() : retry.retryOnReset());
        maybeRetry(retriable, WeftError.UPSTREAM_RESET, reason);
    }

    /**
     * Ends the attempt whose stream was lost; after an upgrade the relayed connection is aborted and the exchange
     * completed, which the return value says (true: nothing more to do).
     */
    private boolean attemptLost() {
        stream = null;
        endAttempt();
        if (upgraded) {
            aborted = true;
            downstream.abort();
            complete(false);
            return true;
        }
        return false;
    }

    /** The upstream's response could not be read: a 502 (or an aborted response, if it had started). */
    @Override
    public void onProtocolError(String reason) {
        if (done) {
            return;
        }
        if (attemptLost()) {
            return;
        }
        fail(WeftError.UPSTREAM_PROTOCOL_ERROR, reason);
    }

    // ---------------------------------------------------------------- endings

    /** The proxy answers with {@code error}, or aborts the downstream if a response already started. */
    private void fail(WeftError error, String reason) {
        if (done) {
            return;
        }
        if (responseStarted) {
            ctx.recordError(error);
            info.failed(error);
            aborted = true;
            UpstreamStream s = stream;
            stream = null;
            if (s != null) {
                s.reset();
            }
            endAttempt();
            downstream.abort();
            complete(false);
            return;
        }
        localReply(error, reason);
    }

    private void localReply(WeftError error, String reason) {
        ctx.recordError(error);
        info.failed(error);
        UpstreamStream s = stream;
        stream = null;
        if (s != null) {
            s.reset();
        }
        endAttempt();
        respondLocally(LocalReply.create(downstream.alloc(), error, reason, grpc, headRequest));
    }

    private void respondLocally(FullHttpResponse response) {
        declineUpgrade();
        responseStarted = true;
        status = response.status().code();
        responseHead(response);
        relayed(response);
        downstream.prepareResponse(response, headRequest);
        downstream.write(response);
        downstream.flush();
        if (requestComplete) {
            complete(true);
        } else {
            // read and drop the rest of the request, so the connection can carry the next one
            discardRequest = true;
            releaseBody();
            downstream.setRequestReading(true);
        }
    }

    /** The connection stays HTTP/1.1: lets the decoder go on parsing after an Upgrade request. */
    private void declineUpgrade() {
        if (upgradeRequested && !upgraded) {
            upgradeRequested = false;
            downstream.upgradeRejected();
        }
    }

    private void complete(boolean reusable) {
        if (done) {
            return;
        }
        done = true;
        cancelTimers();
        releaseBody();
        releaseRetrySlot();
        abandonMirrors();
        ctx.rqActive.decrement();
        if (status > 0) {
            ctx.recordStatus(status);
        }
        ended(!aborted);
        downstream.exchangeFinished(this, reusable);
    }

    /** Hands the finished exchange to the observers; one that throws does not stop the others or the exchange. */
    private void ended(boolean completed) {
        info.ended(completed, System.nanoTime());
        ctx.completed(info);
    }

    /** The downstream went away (connection closed or stream reset) before the exchange ended. */
    public void cancel() {
        if (done) {
            return;
        }
        UpstreamStream s = stream;
        stream = null;
        if (s != null) {
            s.reset();
        }
        endAttempt();
        done = true;
        cancelTimers();
        releaseBody();
        releaseRetrySlot();
        abandonMirrors();
        ctx.rqActive.decrement();
        ended(false);
    }

    private void releaseBody() {
        if (pending != null) {
            HttpContent p;
            while ((p = pending.poll()) != null) {
                p.release();
            }
            pendingBytes = 0;
        }
        if (replay != null) {
            for (HttpContent c : replay) {
                c.release();
            }
            replay = null;
        }
        replayable = false;
    }

    private void cancelTimers() {
        timer.disarm(timerTask);
        timerArmed = false;
        cancel(perTryTimer);
        cancel(backoffTimer);
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    /** An absolute-form target (proxy style, {@code GET http://reviews/x}) becomes origin-form plus Host. */
    private static void toOriginForm(HttpRequest req) {
        String uri = req.uri();
        if (uri.startsWith("/") || uri.equals("*")) {
            return;
        }
        int scheme = uri.indexOf("://");
        if (scheme <= 0) {
            return;
        }
        int pathStart = uri.indexOf('/', scheme + 3);
        int queryStart = uri.indexOf('?', scheme + 3);
        int end = pathStart < 0 ? (queryStart < 0 ? uri.length() : queryStart) : (queryStart < 0 ? pathStart : Math.min(pathStart, queryStart));
        String authority = uri.substring(scheme + 3, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        String rest = uri.substring(end);
        req.setUri(rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest);
        req.headers().set(HttpHeaderNames.HOST, authority);
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
