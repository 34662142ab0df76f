package dev.weft.proxy.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class StrictHttp1RequestDecoderTest {

    private static final int MAX_HEADER_BYTES = 60 * 1024;
    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    private static final String UPGRADE_REQUEST = "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
            + "Connection: keep-alive, Upgrade\r\n\r\n";
    /** Bytes of a WebSocket frame: nothing an HTTP parser would accept. */
    private static final String FRAME = "\u0081\u0005hello";

    enum Feeding { WHOLE, BYTE_BY_BYTE }

    private final TrackingAllocator allocator = new TrackingAllocator();
    private final List<Object> received = new ArrayList<>();
    private EmbeddedChannel channel;
    private StrictHttp1RequestDecoder decoder;

    @BeforeEach
    void setUp() {
        open(MAX_HEADER_BYTES);
    }

    @AfterEach
    void releaseEverythingAndCheckForLeaks() {
        channel.finishAndReleaseAll();
        received.forEach(ReferenceCountUtil::release);
        assertThat(allocator.buffers).allSatisfy(buf -> assertThat(buf.refCnt()).as("refCnt").isZero());
    }

    // ---- valid requests ----

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void decodesGetWithoutBody(Feeding feeding) {
        feed(feeding, "GET /v1/models?x=1 HTTP/1.1\r\nHost: reviews:8080\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n");

        List<Exchange> exchanges = exchanges(readAll());

        assertThat(exchanges).singleElement().satisfies(e -> {
            assertThat(e.request().method()).isEqualTo(HttpMethod.GET);
            assertThat(e.request().uri()).isEqualTo("/v1/models?x=1");
            assertThat(e.request().protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
            assertThat(e.request().headers().get("host")).isEqualTo("reviews:8080");
            assertThat(e.request().headers().get("User-Agent")).isEqualTo("curl/8");
            assertThat(e.request().headers().get("accept")).isEqualTo("*/*");
            assertThat(e.body()).isEmpty();
            assertThat(e.last()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        });
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void decodesPostWithContentLength(Feeding feeding) {
        feed(feeding, "POST /v1/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world");

        List<Exchange> exchanges = exchanges(readAll());

        assertThat(exchanges).singleElement().satisfies(e -> {
            assertThat(e.request().method()).isEqualTo(HttpMethod.POST);
            assertThat(e.request().headers().get("content-length")).isEqualTo("11");
            assertThat(e.body()).isEqualTo("hello world");
            assertThat(e.last()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        });
    }

    @Test
    void streamsContentLengthBodyAsItArrives() {
        feed(Feeding.WHOLE, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhel");

        List<Object> first = readAll();
        assertThat(first).hasSize(2);
        assertThat(first.get(0)).isInstanceOf(HttpRequest.class);
        assertThat(first.get(1)).isNotInstanceOf(LastHttpContent.class);
        assertThat(contentOf(first.get(1))).isEqualTo("hel");

        feed(Feeding.WHOLE, "lo worl");

        List<Object> second = readAll();
        assertThat(second).hasSize(2);
        assertThat(second.get(0)).isNotInstanceOf(LastHttpContent.class);
        assertThat(contentOf(second.get(0))).isEqualTo("lo worl");
        assertThat(second.get(1)).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    @Test
    void bodyContentSharesMemoryWithTheReceivedBuffer() {
        ByteBuf input = buffer("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");

        channel.writeInbound(input);

        List<Object> msgs = readAll();
        ByteBuf content = ((HttpContent) msgs.get(1)).content();
        assertThat(content.toString(ISO_8859_1)).isEqualTo("hello");
        assertThat(content.array()).isSameAs(input.array());
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void decodesZeroContentLengthAsNoBody(Feeding feeding) {
        feed(feeding, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");

        assertThat(readAll()).hasSize(2).last().isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void decodesChunkedBodyWithExtensionsAndTrailers(Feeding feeding) {
        feed(feeding, "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value;q=\"a \\\"quoted\\\" ;x\"\r\nhello\r\n"
                + "6 ; ext ;n = v\r\n world\r\n"
                + "A\r\n, chunked!\r\n"
                + "000;last\r\nX-Checksum: abc\r\nX-Other:\t1 \r\n\r\n");

        List<Exchange> exchanges = exchanges(readAll());

        assertThat(exchanges).singleElement().satisfies(e -> {
            assertThat(e.request().uri()).isEqualTo("/upload");
            assertThat(e.body()).isEqualTo("hello world, chunked!");
            assertThat(e.last().trailingHeaders().get("x-checksum")).isEqualTo("abc");
            assertThat(e.last().trailingHeaders().get("X-Other")).isEqualTo("1");
            assertThat(e.last().trailingHeaders().size()).isEqualTo(2);
        });
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void endsChunkedBodyWithoutTrailersWithEmptyLastContent(Feeding feeding) {
        feed(feeding, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");

        List<Exchange> exchanges = exchanges(readAll());

        assertThat(exchanges).singleElement().satisfies(e -> {
            assertThat(e.body()).isEqualTo("abc");
            assertThat(e.last()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        });
    }

    @Test
    void holdsChunkedRequestBackUntilFirstChunkSizeIsRead() {
        feed(Feeding.WHOLE, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertThat(readAll()).isEmpty();

        feed(Feeding.WHOLE, "5\r\n");

        assertThat(readAll()).singleElement().isInstanceOf(HttpRequest.class);
    }

    @Test
    void acceptsLargestChunkSize() {
        feed(Feeding.WHOLE, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\nabc");

        List<Object> msgs = readAll();

        assertThat(msgs).hasSize(2);
        assertThat(msgs.get(0)).isInstanceOf(HttpRequest.class);
        assertThat(contentOf(msgs.get(1))).isEqualTo("abc");
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void decodesPipelinedRequestsInOrder(Feeding feeding) {
        feed(feeding, "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
                + "\r\n" // a stray CRLF after a body is ignored (RFC 9112 §2.2)
                + "DELETE /four HTTP/1.1\r\nHost: a\r\n\r\n");

        List<Exchange> exchanges = exchanges(readAll());

        assertThat(exchanges).extracting(e -> e.request().uri()).containsExactly("/one", "/two", "/three", "/four");
        assertThat(exchanges).extracting(Exchange::body).containsExactly("", "abc", "de", "");
        assertThat(exchanges.get(3).request().method()).isEqualTo(HttpMethod.DELETE);
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void acceptsHttp10WithoutHost(Feeding feeding) {
        feed(feeding, "GET /status HTTP/1.0\r\nAccept: */*\r\n\r\n");

        assertThat(exchanges(readAll())).singleElement().satisfies(e -> {
            assertThat(e.request().protocolVersion()).isEqualTo(HttpVersion.HTTP_1_0);
            assertThat(e.request().headers().contains("host")).isFalse();
        });
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void keepsTargetFormsAsReceived(Feeding feeding) {
        feed(feeding, "GET http://reviews/v1/x HTTP/1.1\r\nHost: reviews\r\n\r\n"
                + "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"
                + "CONNECT reviews:443 HTTP/1.1\r\nHost: reviews:443\r\n\r\n");

        assertThat(exchanges(readAll())).extracting(e -> e.request().uri())
                .containsExactly("http://reviews/v1/x", "*", "reviews:443");
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void trimsFieldValuesAndKeepsObsText(Feeding feeding) {
        feed(feeding, "GET / HTTP/1.1\r\nHost: [::1]:8080\r\nX-Name: \t caf\u00e9 \"x\"\t \r\nX-Empty:\r\n"
                + "X-Multi: a\r\nx-multi: b\r\n\r\n");

        assertThat(exchanges(readAll())).singleElement().satisfies(e -> {
            assertThat(e.request().headers().get("x-name")).isEqualTo("caf\u00e9 \"x\"");
            assertThat(e.request().headers().get("x-empty")).isEmpty();
            assertThat(e.request().headers().getAll("X-Multi")).containsExactly("a", "b");
        });
    }

    @Test
    void acceptsEmptyListElementsInTransferEncoding() {
        feed(Feeding.WHOLE, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked,\r\n\r\n0\r\n\r\n");

        assertThat(exchanges(readAll())).hasSize(1);
    }

    // ---- rejections ----

    @ParameterizedTest(name = "{0}, fed {3}")
    @MethodSource("headRejections")
    void rejectsMalformedHeadWithoutEmittingAnythingElse(String description, int status, String request,
                                                         Feeding feeding) {
        feed(feeding, request);

        assertThat(readAll()).singleElement().isInstanceOfSatisfying(MalformedRequest.class,
                m -> assertThat(m.status()).as(m.reason()).isEqualTo(status));

        feed(Feeding.WHOLE, GET);
        assertThat(readAll()).as("input after a rejection").isEmpty();
    }

    static Stream<Arguments> headRejections() {
        String post = "POST / HTTP/1.1\r\nHost: a\r\n";
        String chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
        return withFeedings(
                // framing
                rejection("CL and TE", 400, post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                rejection("TE and CL", 400, post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello"),
                rejection("TE and CL, unsupported coding", 400, post + "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello"),
                rejection("duplicate equal CL", 400, post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
                rejection("CL list", 400, post + "Content-Length: 5, 5\r\n\r\nhello"),
                rejection("CL not digits", 400, post + "Content-Length: abc\r\n\r\n"),
                rejection("CL with trailing letter", 400, post + "Content-Length: 5a\r\n\r\nhello"),
                rejection("CL with plus", 400, post + "Content-Length: +5\r\n\r\nhello"),
                rejection("CL negative", 400, post + "Content-Length: -5\r\n\r\n"),
                rejection("CL empty", 400, post + "Content-Length: \r\n\r\n"),
                rejection("CL with inner space", 400, post + "Content-Length: 5 5\r\n\r\n"),
                rejection("CL overflow", 400, post + "Content-Length: 99999999999999999999\r\n\r\n"),
                rejection("TE final coding not chunked", 400, post + "Transfer-Encoding: gzip\r\n\r\n"),
                rejection("TE chunked then gzip", 400, post + "Transfer-Encoding: chunked, gzip\r\n\r\n"),
                rejection("TE chunked then gzip on two lines", 400,
                        post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"),
                rejection("TE chunked twice", 400, post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
                rejection("TE chunked with parameter", 400, post + "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n"),
                rejection("TE not a list", 400, post + "Transfer-Encoding: chunked x\r\n\r\n0\r\n\r\n"),
                rejection("TE empty", 400, post + "Transfer-Encoding: \r\n\r\n"),
                rejection("TE in HTTP/1.0", 400, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                rejection("TE gzip, chunked", 501, post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
                rejection("TE gzip then chunked on two lines", 501,
                        post + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                // first chunk-size line
                rejection("chunk size not hex", 400, chunked + "zz\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk size empty", 400, chunked + "\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk size with sign", 400, chunked + "+5\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk size 0x prefix", 400, chunked + "0x5\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk size 2^31", 400, chunked + "80000000\r\nhello"),
                rejection("chunk size 2^32", 400, chunked + "100000000\r\nhello"),
                rejection("chunk size overflowing a long", 400, chunked + "fffffffffffffffffffff\r\nhello"),
                rejection("chunk size trailing space", 400, chunked + "5 \r\nhello\r\n0\r\n\r\n"),
                rejection("chunk ext without name", 400, chunked + "5;\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk ext name not a token", 400, chunked + "5;a@b\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk ext without value", 400, chunked + "5;a=\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk ext trailing semicolon", 400, chunked + "5;a=b;\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk ext trailing space", 400, chunked + "5;a=b \r\nhello\r\n0\r\n\r\n"),
                rejection("chunk ext two values", 400, chunked + "5;a=b c\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk ext unterminated quote", 400, chunked + "5;a=\"b\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk ext control char in quote", 400, chunked + "5;a=\"b\u0001\"\r\nhello\r\n0\r\n\r\n"),
                rejection("chunk size line bare LF", 400, chunked + "5\nhello\r\n0\r\n\r\n"),
                rejection("chunk size line bare CR", 400, chunked + "5\rhello\r\n0\r\n\r\n"),
                rejection("chunk size line too long", 400, chunked + "5;a=" + "b".repeat(MAX_HEADER_BYTES)),
                // line endings
                rejection("bare LF after request line", 400, "GET / HTTP/1.1\nHost: a\r\n\r\n"),
                rejection("bare LF after field", 400, "GET / HTTP/1.1\r\nHost: a\n\r\n"),
                rejection("bare LF as empty line", 400, "GET / HTTP/1.1\r\nHost: a\r\n\n"),
                rejection("bare LF before request line", 400, "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("bare CR in field value", 400, "GET / HTTP/1.1\r\nHost: a\rX-A: b\r\n\r\n"),
                rejection("bare CR in request line", 400, "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("CR CR LF as empty line", 400, "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n"),
                // field lines
                rejection("obs-fold with SP", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"),
                rejection("obs-fold with HTAB", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n"),
                rejection("first field line starting with SP", 400, "GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
                rejection("SP before colon", 400, "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
                rejection("HTAB before colon", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n"),
                rejection("empty field name", 400, "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n"),
                rejection("field name with @", 400, "GET / HTTP/1.1\r\nHost: a\r\nX@A: b\r\n\r\n"),
                rejection("field name with space", 400, "GET / HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n"),
                rejection("field name with quote", 400, "GET / HTTP/1.1\r\nHost: a\r\nX\"A: b\r\n\r\n"),
                rejection("field name with obs-text", 400, "GET / HTTP/1.1\r\nHost: a\r\nX\u00e9: b\r\n\r\n"),
                rejection("field line without colon", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A b\r\n\r\n"),
                rejection("NUL in field value", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n\r\n"),
                rejection("SOH in field value", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0001c\r\n\r\n"),
                rejection("VT in field value", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u000bc\r\n\r\n"),
                rejection("ESC in field value", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u001bc\r\n\r\n"),
                rejection("DEL in field value", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u007fc\r\n\r\n"),
                // Host
                rejection("missing Host", 400, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
                rejection("two Hosts", 400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                rejection("two equal Hosts in HTTP/1.0", 400, "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"),
                rejection("empty Host", 400, "GET / HTTP/1.1\r\nHost: \r\n\r\n"),
                rejection("Host with space", 400, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
                rejection("Host with path", 400, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
                rejection("Host with userinfo", 400, "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"),
                rejection("Host with obs-text", 400, "GET / HTTP/1.1\r\nHost: caf\u00e9\r\n\r\n"),
                rejection("Host with bad port", 400, "GET / HTTP/1.1\r\nHost: a:http\r\n\r\n"),
                rejection("Host with port too large", 400, "GET / HTTP/1.1\r\nHost: a:70000\r\n\r\n"),
                rejection("Host with unclosed IPv6", 400, "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
                rejection("Host with bad percent-encoding", 400, "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n"),
                // request line
                rejection("method not a token", 400, "G@T / HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("double SP after method", 400, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("double SP after target", 400, "GET /  HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("trailing SP", 400, "GET / HTTP/1.1 \r\nHost: a\r\n\r\n"),
                rejection("leading SP", 400, " GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("HTAB separator", 400, "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("missing target", 400, "GET HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("HTTP/0.9 request", 400, "GET /\r\n\r\n"),
                rejection("control char in target", 400, "GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("DEL in target", 400, "GET /a\u007fb HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("obs-text in target", 400, "GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("fragment in target", 400, "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("asterisk for GET", 400, "GET * HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("relative target", 400, "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("CONNECT without port", 400, "CONNECT reviews HTTP/1.1\r\nHost: reviews\r\n\r\n"),
                // version
                rejection("HTTP/2.0", 505, "GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
                rejection("HTTP/1.2", 505, "GET / HTTP/1.2\r\nHost: a\r\n\r\n"),
                rejection("HTTP/0.9", 505, "GET / HTTP/0.9\r\nHost: a\r\n\r\n"),
                rejection("lower-case version", 400, "GET / http/1.1\r\nHost: a\r\n\r\n"),
                rejection("version without minor", 400, "GET / HTTP/1\r\nHost: a\r\n\r\n"),
                rejection("two-digit minor version", 400, "GET / HTTP/1.10\r\nHost: a\r\n\r\n"),
                rejection("HTTPS version", 400, "GET / HTTPS/1.1\r\nHost: a\r\n\r\n"),
                // sizes
                rejection("request line over the limit", 414,
                        "GET /" + "a".repeat(MAX_HEADER_BYTES) + " HTTP/1.1\r\nHost: a\r\n\r\n"),
                rejection("head over the limit", 431,
                        "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + "a".repeat(MAX_HEADER_BYTES) + "\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}, fed {3}")
    @MethodSource("bodyRejections")
    void rejectsMalformedBodyAfterWhatWasAlreadyDecoded(String description, int status, String request,
                                                        Feeding feeding) {
        feed(feeding, request);

        List<Object> msgs = readAll();
        assertThat(msgs.get(0)).isInstanceOf(HttpRequest.class);
        assertThat(msgs.subList(1, msgs.size() - 1)).allSatisfy(m -> assertThat(m)
                .isInstanceOf(HttpContent.class).isNotInstanceOf(LastHttpContent.class));
        assertThat(msgs.get(msgs.size() - 1)).isInstanceOfSatisfying(MalformedRequest.class,
                m -> assertThat(m.status()).as(m.reason()).isEqualTo(status));

        feed(Feeding.WHOLE, GET);
        assertThat(readAll()).as("input after a rejection").isEmpty();
    }

    static Stream<Arguments> bodyRejections() {
        String chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        return withFeedings(
                rejection("data longer than chunk size", 400, chunked + "5\r\nhelloX\r\n0\r\n\r\n"),
                rejection("bare CR after chunk data", 400, chunked + "5\r\nhello\rX0\r\n\r\n"),
                rejection("bare LF after chunk data", 400, chunked + "5\r\nhello\n0\r\n\r\n"),
                rejection("bad second chunk size", 400, chunked + "5\r\nhello\r\nzz\r\n\r\n"),
                rejection("second chunk size too large", 400, chunked + "5\r\nhello\r\nffffffff\r\n"),
                rejection("bare LF after last chunk", 400, chunked + "5\r\nhello\r\n0\n\r\n"),
                rejection("obs-fold in trailer", 400, chunked + "0\r\nX-T: a\r\n b\r\n\r\n"),
                rejection("NUL in trailer value", 400, chunked + "0\r\nX-T: a\u0000\r\n\r\n"),
                rejection("SP before colon in trailer", 400, chunked + "0\r\nX-T : a\r\n\r\n"),
                rejection("bare LF in trailer", 400, chunked + "0\r\nX-T: a\n\r\n"),
                rejection("trailer section over the limit", 431,
                        chunked + "0\r\nX-T: " + "a".repeat(MAX_HEADER_BYTES) + "\r\n\r\n"));
    }

    // ---- size limits ----

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void acceptsHeadExactlyAtTheLimit(Feeding feeding) {
        open(256);

        feed(feeding, headOfLength(256));

        assertThat(exchanges(readAll())).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void rejectsHeadOneByteOverTheLimit(Feeding feeding) {
        open(256);

        feed(feeding, headOfLength(257));

        assertThat(readAll()).singleElement().isEqualTo(new MalformedRequest(431, "request head too large"));
    }

    @Test
    void rejectsEndlessFieldLineOnceItCannotFit() {
        open(256);
        String head = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";

        int fed = feedUntilSomethingIsDecoded(head + "a".repeat(1000));

        assertThat(readAll()).singleElement().isEqualTo(new MalformedRequest(431, "request head too large"));
        assertThat(fed).isBetween(250, 256);
    }

    @Test
    void rejectsEndlessRequestLineWith414OnceItCannotFit() {
        open(256);

        int fed = feedUntilSomethingIsDecoded("GET /" + "a".repeat(1000));

        assertThat(readAll()).singleElement().isEqualTo(new MalformedRequest(414, "request line too long"));
        assertThat(fed).isBetween(250, 256);
    }

    /** A GET head of exactly {@code length} bytes, the final empty line included. */
    private static String headOfLength(int length) {
        String prefix = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
        String suffix = "\r\n\r\n";
        String head = prefix + "p".repeat(length - prefix.length() - suffix.length()) + suffix;
        assertThat(head).hasSize(length);
        return head;
    }

    // ---- upgrade ----

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void passesBytesThroughOnceUpgradeIsAccepted(Feeding feeding) {
        feed(feeding, UPGRADE_REQUEST + FRAME);
        List<Exchange> exchanges = exchanges(readAll());
        assertThat(exchanges).singleElement().satisfies(e -> assertThat(e.request().uri()).isEqualTo("/chat"));
        assertThat(decoder.isPassthrough()).isFalse();

        decoder.upgradeAccepted();

        assertThat(decoder.isPassthrough()).isTrue();
        assertThat(rawBytes(readAll())).isEqualTo(FRAME);

        feed(feeding, "GET / HTTP/1.1\r\n\r\n");

        assertThat(rawBytes(readAll())).isEqualTo("GET / HTTP/1.1\r\n\r\n");
    }

    @Test
    void passesReceivedBufferItselfThroughAfterUpgrade() {
        feed(Feeding.WHOLE, UPGRADE_REQUEST);
        readAll();
        decoder.upgradeAccepted();
        ByteBuf later = buffer(FRAME);

        channel.writeInbound(later);

        assertThat(readAll()).singleElement().isSameAs(later);
    }

    @Test
    void passesBytesOfTheUpgradeBufferThroughWhenAcceptedFromInsideChannelRead() {
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.fireChannelRead(msg);
                if (msg instanceof LastHttpContent) {
                    decoder.upgradeAccepted();
                }
            }
        });

        feed(Feeding.WHOLE, UPGRADE_REQUEST + FRAME);

        List<Object> msgs = readAll();
        assertThat(msgs).hasSize(3);
        assertThat(exchanges(msgs.subList(0, 2))).hasSize(1);
        assertThat(rawBytes(msgs.subList(2, 3))).isEqualTo(FRAME);
    }

    @ParameterizedTest
    @EnumSource(Feeding.class)
    void resumesParsingOnceUpgradeIsRejected(Feeding feeding) {
        feed(feeding, UPGRADE_REQUEST + "GET /next HTTP/1.1\r\nHost: a\r\n\r\nPOST /after HTTP/1.1\r\n");
        assertThat(exchanges(readAll())).extracting(e -> e.request().uri()).containsExactly("/chat");

        decoder.upgradeRejected();

        assertThat(exchanges(readAll())).extracting(e -> e.request().uri()).containsExactly("/next");
        feed(feeding, "Host: a\r\nContent-Length: 2\r\n\r\nok");
        assertThat(exchanges(readAll())).singleElement().satisfies(e -> {
            assertThat(e.request().uri()).isEqualTo("/after");
            assertThat(e.body()).isEqualTo("ok");
        });
        assertThat(decoder.isPassthrough()).isFalse();
    }

    @Test
    void resumesParsingWhenUpgradeIsRejectedFromInsideChannelRead() {
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            private boolean upgradeAsked;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request) {
                    upgradeAsked = request.headers().contains("upgrade");
                }
                ctx.fireChannelRead(msg);
                if (msg instanceof LastHttpContent && upgradeAsked) {
                    decoder.upgradeRejected();
                }
            }
        });

        feed(Feeding.WHOLE, UPGRADE_REQUEST + GET);

        assertThat(exchanges(readAll())).extracting(e -> e.request().uri()).containsExactly("/chat", "/");
    }

    @Test
    void holdsBytesWhileUpgradeDecisionIsPending() {
        feed(Feeding.WHOLE, UPGRADE_REQUEST);
        readAll();

        feed(Feeding.WHOLE, GET);

        assertThat(readAll()).isEmpty();
    }

    @Test
    void treatsUpgradeWithoutConnectionUpgradeAsPlainRequest() {
        feed(Feeding.WHOLE, "GET /a HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\r\n" + GET);

        assertThat(exchanges(readAll())).hasSize(2);
    }

    @Test
    void ignoresUpgradeInHttp10() {
        feed(Feeding.WHOLE, "GET /a HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n" + GET);

        assertThat(exchanges(readAll())).hasSize(2);
    }

    @Test
    void refusesAcceptingAnUpgradeWhenNoneIsPendingAndIgnoresARejection() {
        feed(Feeding.WHOLE, GET);
        readAll();

        assertThatThrownBy(decoder::upgradeAccepted).isInstanceOf(IllegalStateException.class);
        decoder.upgradeRejected();
        feed(Feeding.WHOLE, GET);
        assertThat(exchanges(readAll())).hasSize(1);
    }

    @Test
    void rejectionDuringTheUpgradeRequestsBodyKeepsParsingAfterIt() {
        feed(Feeding.WHOLE, "POST /a HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nContent-Length: 4\r\n\r\nab");
        List<Object> msgs = new ArrayList<>(readAll());
        decoder.upgradeRejected();
        feed(Feeding.WHOLE, "cd" + GET);
        msgs.addAll(readAll());

        List<Exchange> decoded = exchanges(msgs);
        assertThat(decoded).hasSize(2);
        assertThat(decoded.get(0).body()).isEqualTo("abcd");
    }

    // ---- end of input ----

    @Test
    void reportsRequestCutOffByClose() {
        feed(Feeding.WHOLE, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhel");

        channel.finish();

        List<Object> msgs = readAll();
        assertThat(msgs).hasSize(3);
        assertThat(msgs.get(0)).isInstanceOf(HttpRequest.class);
        assertThat(contentOf(msgs.get(1))).isEqualTo("hel");
        assertThat(msgs.get(2)).isEqualTo(new MalformedRequest(400, "connection closed before the request was complete"));
    }

    @Test
    void reportsHeadCutOffByClose() {
        feed(Feeding.WHOLE, "GET / HTTP/1.1\r\nHo");

        channel.finish();

        assertThat(readAll()).singleElement().isInstanceOfSatisfying(MalformedRequest.class,
                m -> assertThat(m.status()).isEqualTo(400));
    }

    @Test
    void reportsNothingWhenIdleConnectionCloses() {
        feed(Feeding.WHOLE, GET);
        readAll();

        channel.finish();

        assertThat(readAll()).isEmpty();
    }

    @Test
    void releasesBytesHeldForPendingUpgradeOnClose() {
        feed(Feeding.WHOLE, UPGRADE_REQUEST + FRAME);
        readAll();

        channel.finish();

        assertThat(readAll()).isEmpty();
        // the teardown proves the held bytes were released
    }

    @Test
    void rejectsNonPositiveLimit() {
        assertThatThrownBy(() -> new StrictHttp1RequestDecoder(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxHeaderBytes");
    }

    // ---- helpers ----

    private void open(int maxHeaderBytes) {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        decoder = new StrictHttp1RequestDecoder(maxHeaderBytes);
        channel = new EmbeddedChannel();
        channel.config().setAllocator(allocator);
        channel.pipeline().addLast(decoder);
    }

    private void feed(Feeding feeding, String data) {
        byte[] bytes = data.getBytes(ISO_8859_1);
        if (feeding == Feeding.WHOLE) {
            channel.writeInbound(buffer(bytes));
        } else {
            for (byte b : bytes) {
                channel.writeInbound(buffer(new byte[] {b}));
            }
        }
    }

    /** Feeds one byte at a time until a message comes out; returns how many bytes that took. */
    private int feedUntilSomethingIsDecoded(String data) {
        byte[] bytes = data.getBytes(ISO_8859_1);
        for (int i = 0; i < bytes.length; i++) {
            channel.writeInbound(buffer(new byte[] {bytes[i]}));
            if (!channel.inboundMessages().isEmpty()) {
                return i + 1;
            }
        }
        return fail("nothing was decoded from " + bytes.length + " bytes");
    }

    private ByteBuf buffer(String data) {
        return buffer(data.getBytes(ISO_8859_1));
    }

    private ByteBuf buffer(byte[] bytes) {
        return allocator.heapBuffer(bytes.length).writeBytes(bytes);
    }

    /** Reads every decoded message; the teardown releases them. */
    private List<Object> readAll() {
        List<Object> msgs = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            msgs.add(msg);
        }
        received.addAll(msgs);
        return msgs;
    }

    private static String contentOf(Object msg) {
        assertThat(msg).isInstanceOf(HttpContent.class);
        return ((HttpContent) msg).content().toString(ISO_8859_1);
    }

    private static String rawBytes(List<Object> msgs) {
        StringBuilder bytes = new StringBuilder();
        for (Object msg : msgs) {
            assertThat(msg).isInstanceOf(ByteBuf.class);
            bytes.append(((ByteBuf) msg).toString(ISO_8859_1));
        }
        return bytes.toString();
    }

    /** One decoded request: its head, its body bytes joined, and the LastHttpContent that ended it. */
    private record Exchange(HttpRequest request, String body, LastHttpContent last) { }

    /** Groups messages into requests, failing on any sequence the decoder must not produce. */
    private static List<Exchange> exchanges(List<Object> msgs) {
        List<Exchange> exchanges = new ArrayList<>();
        HttpRequest request = null;
        StringBuilder body = new StringBuilder();
        for (Object msg : msgs) {
            if (msg instanceof HttpRequest r) {
                assertThat(request).as("request before the previous one ended").isNull();
                request = r;
                body.setLength(0);
            } else if (msg instanceof LastHttpContent last) {
                assertThat(request).as("LastHttpContent without a request").isNotNull();
                assertThat(last.content().isReadable()).as("LastHttpContent carries no content").isFalse();
                exchanges.add(new Exchange(request, body.toString(), last));
                request = null;
            } else if (msg instanceof HttpContent content) {
                assertThat(request).as("content without a request").isNotNull();
                assertThat(content.content().isReadable()).as("empty content").isTrue();
                body.append(content.content().toString(ISO_8859_1));
            } else {
                fail("unexpected message " + msg);
            }
        }
        assertThat(request).as("request without LastHttpContent").isNull();
        return exchanges;
    }

    private static Arguments rejection(String description, int status, String request) {
        return Arguments.of(description, status, request);
    }

    private static Stream<Arguments> withFeedings(Arguments... cases) {
        return Arrays.stream(cases).flatMap(c -> Arrays.stream(Feeding.values())
                .map(f -> Arguments.of(c.get()[0], c.get()[1], c.get()[2], f)));
    }

    /** Allocates unpooled buffers and remembers each, so the teardown can prove all were released. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> buffers = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf buf = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            buffers.add(buf);
            return buf;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf buf = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            buffers.add(buf);
            return buf;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
