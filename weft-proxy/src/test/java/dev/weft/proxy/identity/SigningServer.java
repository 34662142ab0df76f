package dev.weft.proxy.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.CsrRejectedException;
import dev.weft.ca.JoinTokenRefusedException;
import dev.weft.ca.SigningRefusedException;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.ca.SvidVerificationException;
import dev.weft.ca.SvidVerifier;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A control plane's CSR service for tests (and other services beside it, like a control plane's ADS), written from the contract rather than from the agent's client:
 * {@code weft.ca.v1.CertificateService/Sign} over TLS (client certificate optional) on a loopback port, JSON
 * messages read and written as plain trees, a real {@link CertificateAuthority} behind it. With a join token it signs
 * by the token; without, by the caller's client SVID. It records every call.
 */
final class SigningServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Context.Key<SSLSession> SESSION = Context.key("tls-session");

    /** One Sign call: when it arrived, its token, the client SVID it came with (or null), and how it ended. */
    record Call(Instant at, String joinToken, SpiffeId peer, BigInteger peerSerial, Status.Code outcome,
                BigInteger issuedSerial) {
    }

    private final CertificateAuthority ca;
    private final Server server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Every call of any service: "full/method serial-of-the-client-certificate-in-hex" (or "none"). */
    private final List<String> peers = new CopyOnWriteArrayList<>();
    private final Deque<io.grpc.StatusRuntimeException> failures = new ArrayDeque<>();
    private volatile X509Certificate[] serverChain;
    private volatile PrivateKey serverKey;

    private SigningServer(CertificateAuthority ca, CertificateAuthority serverCa, SpiffeId serverId,
            List<ServerServiceDefinition> others) throws IOException, SigningRefusedException {
        this.ca = ca;
        serveAs(serverCa, serverId);
        ServerCredentials credentials = TlsServerCredentials.newBuilder()
                .keyManager(new ServerKeyManager())
                .trustManager(new AnyClient())
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                .build();
        MethodDescriptor<JsonNode, JsonNode> sign = MethodDescriptor.<JsonNode, JsonNode>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("weft.ca.v1.CertificateService/Sign")
                .setRequestMarshaller(new TreeMarshaller())
                .setResponseMarshaller(new TreeMarshaller())
                .build();
        ServerServiceDefinition service = ServerServiceDefinition.builder("weft.ca.v1.CertificateService")
                .addMethod(sign, ServerCalls.asyncUnaryCall(this::sign))
                .build();
        ServerInterceptor session = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                SSLSession tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                X509Certificate[] chain = peerChain(tls);
                String peer = chain == null ? "none" : chain[0].getSerialNumber().toString(16);
                peers.add(call.getMethodDescriptor().getFullMethodName() + " " + peer);
                Context context = Context.current().withValue(SESSION, tls);
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials)
                .addService(ServerInterceptors.intercept(service, session));
        for (ServerServiceDefinition other : others) {
            builder.addService(ServerInterceptors.intercept(other, session));
        }
        server = builder.build().start();
    }

    /**
     * Starts a server that signs with {@code ca} and presents an SVID for {@code serverId} issued by
     * {@code serverCa} (the same CA directory, opened with a lifetime that outlasts the test).
     */
    static SigningServer start(CertificateAuthority ca, CertificateAuthority serverCa, SpiffeId serverId,
            ServerServiceDefinition... others) throws IOException, SigningRefusedException {
        return new SigningServer(ca, serverCa, serverId, List.of(others));
    }

    /** Presents a new SVID for {@code serverId} from {@code serverCa} from the next handshake on. */
    void serveAs(CertificateAuthority serverCa, SpiffeId serverId) throws SigningRefusedException {
        KeyPair keys = Csr.generateKeyPair();
        Svid svid = serverCa.issue(serverId, Csr.create(keys, serverId));
        serverKey = keys.getPrivate();
        serverChain = svid.chain().toArray(new X509Certificate[0]);
    }

    /** Answers the next calls with these statuses instead of signing. */
    synchronized void failNext(Status... statuses) {
        for (Status status : statuses) {
            failures.add(status.asRuntimeException());
        }
    }

    /** Answers the next call RESOURCE_EXHAUSTED with the control plane's retry-after trailer. */
    synchronized void rateLimitNext(long retryAfterMillis) {
        Metadata trailers = new Metadata();
        trailers.put(Metadata.Key.of("weft-retry-after-ms", Metadata.ASCII_STRING_MARSHALLER),
                Long.toString(retryAfterMillis));
        failures.add(Status.RESOURCE_EXHAUSTED.withDescription("signing rate limit exceeded")
                .asRuntimeException(trailers));
    }

    int port() {
        return server.getPort();
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Every call of any service, as "full/method client-certificate-serial-in-hex" ("none": no certificate). */
    List<String> peers() {
        return List.copyOf(peers);
    }

    private void sign(JsonNode request, StreamObserver<JsonNode> response) {
        Instant at = Instant.now();
        String token = request.hasNonNull("joinToken") ? request.get("joinToken").asText() : null;
        SpiffeId peer = null;
        BigInteger peerSerial = null;
        Status status;
        BigInteger issued = null;
        try {
            X509Certificate[] peerChain = peerChain(SESSION.get());
            if (peerChain != null) {
                peerSerial = peerChain[0].getSerialNumber();
                peer = new SvidVerifier(ca.bundle(), ca.trustDomain())
                        .verify(peerChain, SvidVerifier.PeerRole.CLIENT, Instant.now());
            }
            io.grpc.StatusRuntimeException injected;
            synchronized (this) {
                injected = failures.poll();
            }
            if (injected != null) {
                throw injected;
            }
            if (!request.hasNonNull("csr")) {
                throw Status.INVALID_ARGUMENT.withDescription("csr: required").asRuntimeException();
            }
            Csr csr = Csr.fromPem(request.get("csr").asText());
            Svid svid;
            if (token != null) {
                svid = ca.issueWithJoinToken(token, csr);
            } else if (peer != null) {
                svid = ca.issue(peer, csr);
            } else {
                throw Status.UNAUTHENTICATED.withDescription("no join token and no client certificate")
                        .asRuntimeException();
            }
            issued = svid.certificate().getSerialNumber();
            ObjectNode answer = JSON.createObjectNode()
                    .put("certificateChain", svid.chainPem())
                    .put("trustBundle", ca.bundle().toPem());
            calls.add(new Call(at, token, peer, peerSerial, Status.Code.OK, issued));
            response.onNext(answer);
            response.onCompleted();
            return;
        } catch (io.grpc.StatusRuntimeException e) {
            calls.add(new Call(at, token, peer, peerSerial, e.getStatus().getCode(), null));
            response.onError(e);
            return;
        } catch (JoinTokenRefusedException | SvidVerificationException e) {
            status = Status.UNAUTHENTICATED.withDescription(e.getMessage());
        } catch (CsrRejectedException e) {
            status = Status.INVALID_ARGUMENT.withDescription(e.getMessage());
        } catch (SigningRefusedException e) {
            status = Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
        } catch (IOException e) {
            status = Status.INTERNAL.withDescription(e.getMessage());
        }
        calls.add(new Call(at, token, peer, peerSerial, status.getCode(), null));
        response.onError(status.asRuntimeException());
    }

    private static X509Certificate[] peerChain(SSLSession session) {
        if (session == null) {
            throw new AssertionError("the Sign call came without TLS");
        }
        try {
            Certificate[] certificates = session.getPeerCertificates();
            return Arrays.copyOf(certificates, certificates.length, X509Certificate[].class);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static final class TreeMarshaller implements MethodDescriptor.Marshaller<JsonNode> {
        @Override
        public InputStream stream(JsonNode value) {
            try {
                return new ByteArrayInputStream(JSON.writeValueAsBytes(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public JsonNode parse(InputStream stream) {
            try {
                return JSON.readTree(stream);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The server's SVID, read at each handshake. */
    private final class ServerKeyManager extends X509ExtendedKeyManager {
        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return "server";
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return "server";
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[] {"server"};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return serverChain;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return serverKey;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    /** Takes any client certificate at the TLS level; {@link #sign} verifies it as an SVID, as the control plane does. */
    private static final class AnyClient extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
