package dev.weft.controlplane.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ca.Csr;
import dev.weft.ca.Pem;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.ca.SvidVerifier;
import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.TestClock;
import dev.weft.controlplane.XdsTls;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft.ca.v1.CertificateService/Sign} on the xDS port, over TLS, with the control plane on a fake clock. */
class CertificateServiceTest {

    private static final SpiffeId CHAT = new SpiffeId("cluster.local", "default", "chat");
    private static final SpiffeId BILLING = new SpiffeId("cluster.local", "default", "billing");

    @TempDir
    Path dataDir;

    private final TestClock clock = new TestClock();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private ControlPlane controlPlane;
    private ManagedChannel anonymous;

    @BeforeEach
    void start() throws Exception {
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0).withClock(clock)
                .withSvidLifetime(Duration.ofHours(1)));
        anonymous = track(XdsTls.channel(controlPlane, clock, null));
    }

    @AfterEach
    void stop() throws Exception {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        controlPlane.close();
    }

    private ManagedChannel track(ManagedChannel channel) {
        channels.add(channel);
        return channel;
    }

    private String token(SpiffeId identity, Duration ttl) throws IOException {
        return controlPlane.certificateAuthority().joinTokens().create(identity.namespace(), identity.account(), ttl);
    }

    private static String csr(SpiffeId identity) {
        return Csr.create(Csr.generateKeyPair(), identity).pem();
    }

    /** Joins as {@code identity} with a token and returns the key and the SVID Sign answered. */
    private XdsTls.Workload join(SpiffeId identity) throws IOException {
        KeyPair key = Csr.generateKeyPair();
        CertificateService.SignResponse signed = XdsTls.sign(anonymous, Csr.create(key, identity).pem(),
                token(identity, Duration.ofMinutes(10)));
        return new XdsTls.Workload(key, new Svid(identity, Pem.certificates(signed.certificateChain())));
    }

    private static void refused(ThrowableAssert.ThrowingCallable call, Status.Code code, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(code)).hasMessageContaining(message);
    }

    @Test
    void aJoinTokenGetsTheFirstCertificateWhichVerifiesAgainstTheReturnedBundle() throws Exception {
        // given
        String token = token(CHAT, Duration.ofMinutes(10));

        // when
        CertificateService.SignResponse signed = XdsTls.sign(anonymous, csr(CHAT), token);

        // then
        assertThat(signed.trustBundle()).isEqualTo(controlPlane.certificateAuthority().bundle().toPem());
        X509Certificate[] chain = Pem.certificates(signed.certificateChain()).toArray(X509Certificate[]::new);
        SvidVerifier verifier = new SvidVerifier(TrustBundle.fromPem(signed.trustBundle()), "cluster.local");
        assertThat(verifier.verify(chain, SvidVerifier.PeerRole.CLIENT, clock.instant(), CHAT)).isEqualTo(CHAT);
        assertThat(verifier.verify(chain, SvidVerifier.PeerRole.SERVER, clock.instant(), CHAT)).isEqualTo(CHAT);
        assertThat(chain[0].getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    }

    @Test
    void aTokenUsedTwiceIsRefused() throws Exception {
        String token = token(CHAT, Duration.ofMinutes(10));
        XdsTls.sign(anonymous, csr(CHAT), token);

        refused(() -> XdsTls.sign(anonymous, csr(CHAT), token), Status.Code.UNAUTHENTICATED, "REUSED");
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        String token = token(CHAT, Duration.ofMinutes(10));

        clock.advance(Duration.ofMinutes(10));

        refused(() -> XdsTls.sign(anonymous, csr(CHAT), token), Status.Code.UNAUTHENTICATED, "EXPIRED");
    }

    @Test
    void aTokenForAnotherIdentityIsRefusedAndStaysUsable() throws Exception {
        String token = token(CHAT, Duration.ofMinutes(10));

        refused(() -> XdsTls.sign(anonymous, csr(BILLING), token), Status.Code.UNAUTHENTICATED,
                "IDENTITY_MISMATCH");
        assertThat(XdsTls.sign(anonymous, csr(CHAT), token).certificateChain()).isNotEmpty();
    }

    @Test
    void anUnknownTokenIsRefused() {
        refused(() -> XdsTls.sign(anonymous, csr(CHAT), "no-such-token"), Status.Code.UNAUTHENTICATED, "UNKNOWN");
    }

    @Test
    void neitherTokenNorClientCertificateIsUnauthenticated() {
        refused(() -> XdsTls.sign(anonymous, csr(CHAT), null), Status.Code.UNAUTHENTICATED,
                "a workload's first certificate needs a join token");
    }

    @Test
    void aRenewalWithTheCurrentCertificateGetsANewOneOfTheSameIdentity() throws Exception {
        // given
        XdsTls.Workload chat = join(CHAT);
        ManagedChannel asChat = track(XdsTls.channel(controlPlane, clock, chat));
        KeyPair next = Csr.generateKeyPair();

        // when
        clock.advance(Duration.ofMinutes(30));
        CertificateService.SignResponse renewed = XdsTls.sign(asChat, Csr.create(next, CHAT).pem(), null);

        // then
        X509Certificate leaf = Pem.certificates(renewed.certificateChain()).get(0);
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, CHAT.toString()));
        assertThat(leaf.getPublicKey()).isEqualTo(next.getPublic());
        assertThat(leaf.getNotAfter()).isAfter(chat.svid().certificate().getNotAfter());
    }

    @Test
    void aRenewalForAnotherIdentityIsPermissionDenied() throws Exception {
        ManagedChannel asChat = track(XdsTls.channel(controlPlane, clock, join(CHAT)));

        refused(() -> XdsTls.sign(asChat, csr(BILLING), null), Status.Code.PERMISSION_DENIED,
                "the CSR asks for spiffe://cluster.local/ns/default/sa/billing but the client certificate is "
                        + "spiffe://cluster.local/ns/default/sa/chat");
    }

    @Test
    void aRenewalWithAnExpiredCertificateIsUnauthenticated() throws Exception {
        XdsTls.Workload chat = join(CHAT);

        clock.advance(Duration.ofHours(2));
        // the control plane's own certificate is renewed on the real clock; renew it for the fake one
        controlPlane.identity().reissue();
        ManagedChannel asChat = track(XdsTls.channel(controlPlane, clock, chat));

        refused(() -> XdsTls.sign(asChat, csr(CHAT), null), Status.Code.UNAUTHENTICATED, "expired");
    }

    @Test
    void aBadRequestOrCsrIsInvalidArgument() throws Exception {
        String token = token(CHAT, Duration.ofMinutes(10));

        refused(() -> XdsTls.sign(anonymous, "not a CSR", token), Status.Code.INVALID_ARGUMENT,
                "certificate signing request refused");
        refused(() -> XdsTls.sign(anonymous, csr(new SpiffeId("example.org", "default", "chat")), token),
                Status.Code.INVALID_ARGUMENT, "not in trust domain cluster.local");
        refused(() -> XdsTls.sign(anonymous, null, token), Status.Code.INVALID_ARGUMENT, "csr: is required");
        refused(() -> rawSign(anonymous, "{\"csr\": 1, \"token\": \"x\"}"), Status.Code.INVALID_ARGUMENT,
                "the request is not a JSON object");
        assertThat(XdsTls.sign(anonymous, csr(CHAT), token).certificateChain())
                .as("a refused request does not spend the token").isNotEmpty();
    }

    @Test
    void signingBeyondTheRateLimitIsResourceExhaustedWithWhenToRetry() throws Exception {
        // given: the clock stands still, so the bucket (burst 200) does not refill; refused tokens still cost a
        // permit, and the control plane's own certificate took one at start
        String valid = csr(CHAT);
        for (int i = 0; i < 199; i++) {
            refused(() -> XdsTls.sign(anonymous, valid, "no-such-token"), Status.Code.UNAUTHENTICATED, "UNKNOWN");
        }
        String token = token(CHAT, Duration.ofMinutes(10));

        // when / then
        assertThatThrownBy(() -> XdsTls.sign(anonymous, valid, token))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getTrailers().get(Metadata.Key.of(CertificateService.RETRY_AFTER_MS,
                            Metadata.ASCII_STRING_MARSHALLER))).as("one permit every 10 ms").isEqualTo("10");
                })
                .hasMessageContaining("rate limit");

        clock.advance(Duration.ofMillis(10));
        assertThat(XdsTls.sign(anonymous, valid, token).certificateChain())
                .as("a rate-limited request does not spend the token").isNotEmpty();
    }

    @Test
    void withInsecureXdsATokenStillGetsACertificateButNothingRenews() throws Exception {
        try (ControlPlane insecure = ControlPlane.start(ControlPlaneConfig.defaults(dataDir.resolve("insecure"))
                .withPorts(0, 0).withClock(clock).withInsecureXds(true))) {
            ManagedChannel plaintext = track(NettyChannelBuilder.forAddress("127.0.0.1", insecure.xdsPort())
                    .usePlaintext().build());
            String token = insecure.certificateAuthority().joinTokens().create("default", "chat",
                    Duration.ofMinutes(1));

            assertThat(XdsTls.sign(plaintext, csr(CHAT), token).certificateChain()).isNotEmpty();
            refused(() -> XdsTls.sign(plaintext, csr(CHAT), null), Status.Code.UNAUTHENTICATED,
                    "a renewal its current certificate as TLS client certificate");
        }
    }

    /** Sign with a request body as it is, to see how the server answers one it cannot read. */
    private static void rawSign(ManagedChannel channel, String json) {
        MethodDescriptor.Marshaller<String> text = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(String value) {
                return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public String parse(InputStream stream) {
                try {
                    return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        ClientCalls.blockingUnaryCall(channel, CertificateService.SIGN.toBuilder(text, text).build(),
                CallOptions.DEFAULT, json);
    }
}
