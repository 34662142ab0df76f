package dev.weft.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Http1ClientCodecTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(new Http1ClientCodec());

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    private void request(HttpMethod method) {
        ch.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/x", Unpooled.EMPTY_BUFFER));
        ByteBuf sent;
        while ((sent = ch.readOutbound()) != null) {
            sent.release();
        }
    }

    /** Feeds {@code text} and returns what the decoder made of it (the caller releases). */
    private List<HttpObject> respond(String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, CharsetUtil.US_ASCII));
        List<HttpObject> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            out.add((HttpObject) m);
        }
        return out;
    }

    private static String body(List<HttpObject> out) {
        StringBuilder b = new StringBuilder();
        for (HttpObject o : out) {
            if (o instanceof HttpContent c) {
                b.append(c.content().toString(CharsetUtil.US_ASCII));
            }
        }
        return b.toString();
    }

    private static void release(List<HttpObject> out) {
        out.forEach(ReferenceCountUtil::release);
    }

    @Test
    void aContentLengthResponseKeepsTheUpstreamsSpellingOfEachName() {
        request(HttpMethod.GET);
        List<HttpObject> out = respond("HTTP/1.1 200 OK\r\nServer: nginx\r\ncontent-type: text/plain\r\n"
                + "Content-Length: 5\r\nX-Custom: a\r\nConnection: keep-alive\r\n\r\nhello");

        HttpResponse head = (HttpResponse) out.get(0);
        assertThat(head.decoderResult().isSuccess()).isTrue();
        assertThat(head.protocolVersion()).isSameAs(HttpVersion.HTTP_1_1);
        assertThat(head.status()).isSameAs(HttpResponseStatus.OK);
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> e : head.headers()) {
            names.add(e.getKey() + "=" + e.getValue());
        }
        assertThat(names).containsExactly("Server=nginx", "content-type=text/plain", "Content-Length=5", "X-Custom=a",
                "Connection=keep-alive");
        assertThat(head.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/plain");
        assertThat(out.get(out.size() - 1)).isInstanceOf(LastHttpContent.class);
        assertThat(((LastHttpContent) out.get(out.size() - 1)).trailingHeaders())
                .isSameAs(io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        assertThat(body(out)).isEqualTo("hello");
        release(out);

        // a chunked response after it still gets trailers it can fill
        request(HttpMethod.GET);
        out = respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nx-t: 1\r\n\r\n");
        assertThat(((LastHttpContent) out.get(out.size() - 1)).trailingHeaders().get("x-t")).isEqualTo("1");
        release(out);
        // and a Content-Length response after that the empty ones again
        request(HttpMethod.GET);
        out = respond("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
        assertThat(((LastHttpContent) out.get(out.size() - 1)).trailingHeaders())
                .isSameAs(io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        release(out);
    }

    @Test
    void knownNamesAreConstantsAndOthersAreValidated() {
        Object title = Http1ClientCodec.KnownNames.find("Content-Length".getBytes(), 0, 14);
        assertThat(title).hasToString("Content-Length");
        assertThat(Http1ClientCodec.KnownNames.isKnown((CharSequence) title)).isTrue();
        assertThat((Object) Http1ClientCodec.KnownNames.find("content-length".getBytes(), 0, 14)).isSameAs(HttpHeaderNames.CONTENT_LENGTH);
        assertThat((Object) Http1ClientCodec.KnownNames.find("CONTENT-LENGTH".getBytes(), 0, 14)).isNull();
        assertThat((Object) Http1ClientCodec.KnownNames.find("xContent-Lengthx".getBytes(), 1, 14)).isSameAs(title);
        assertThat(Http1ClientCodec.KnownNames.isKnown(io.netty.util.AsciiString.of("content-length"))).isFalse();

        request(HttpMethod.GET);
        List<HttpObject> out = respond("HTTP/1.1 200 OK\r\nX(bad): 1\r\nContent-Length: 0\r\n\r\n");
        assertThat(out.get(0).decoderResult().isFailure()).isTrue();
        release(out);
    }

    @Test
    void aChunkedResponseWithTrailers() {
        request(HttpMethod.POST);
        List<HttpObject> out = respond("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n2\r\nde\r\n0\r\ngrpc-status: 0\r\n\r\n");

        assertThat(((HttpResponse) out.get(0)).status()).isSameAs(HttpResponseStatus.CREATED);
        assertThat(HttpUtil.isTransferEncodingChunked((HttpResponse) out.get(0))).isTrue();
        assertThat(body(out)).isEqualTo("abcde");
        LastHttpContent last = (LastHttpContent) out.get(out.size() - 1);
        assertThat(last.trailingHeaders().get("grpc-status")).isEqualTo("0");
        release(out);
    }

    @Test
    void theResponseToHeadHasNoBodyAndTheNextResponseIsReadAfterIt() {
        request(HttpMethod.HEAD);
        List<HttpObject> out = respond("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        assertThat(out).hasSize(2);
        assertThat(out.get(1)).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        release(out);

        request(HttpMethod.GET);
        out = respond("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno");
        assertThat(((HttpResponse) out.get(0)).status()).isSameAs(HttpResponseStatus.NOT_FOUND);
        assertThat(body(out)).isEqualTo("no");
        release(out);
    }

    @Test
    void noContentAndNotModifiedHaveNoBodyWhateverTheirHeadersSay() {
        request(HttpMethod.GET);
        List<HttpObject> out = respond("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"
                + "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n");
        assertThat(out).hasSize(4);
        assertThat(((HttpResponse) out.get(0)).status().code()).isEqualTo(204);
        assertThat(out.get(1)).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(((HttpResponse) out.get(2)).status().code()).isEqualTo(304);
        assertThat(((HttpResponse) out.get(2)).headers().get("etag")).isEqualTo("\"a\"");
        release(out);
    }

    @Test
    void anInterimResponseIsFollowedByTheFinalOne() {
        request(HttpMethod.PUT);
        List<HttpObject> out = respond("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(((HttpResponse) out.get(0)).status()).isSameAs(HttpResponseStatus.CONTINUE);
        assertThat(out.get(1)).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(((HttpResponse) out.get(2)).status()).isSameAs(HttpResponseStatus.OK);
        assertThat(body(out)).isEqualTo("ok");
        release(out);
    }

    @Test
    void afterSwitchingProtocolsTheBytesPassThrough() {
        request(HttpMethod.GET);
        List<HttpObject> out = respond("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: x\r\n\r\n");
        assertThat(((HttpResponse) out.get(0)).status()).isSameAs(HttpResponseStatus.SWITCHING_PROTOCOLS);
        assertThat(((HttpResponse) out.get(0)).headers().get("sec-websocket-accept")).isEqualTo("x");
        assertThat(out.get(1)).isInstanceOf(LastHttpContent.class);
        release(out);

        ch.writeInbound(Unpooled.copiedBuffer("\u0081\u0002hi", CharsetUtil.ISO_8859_1));
        ByteBuf raw = ch.readInbound();
        assertThat(raw.toString(CharsetUtil.ISO_8859_1)).isEqualTo("\u0081\u0002hi");
        raw.release();
    }

    @Test
    void aBodyWithoutLengthRunsToTheEndOfTheConnection() {
        request(HttpMethod.GET);
        List<HttpObject> out = respond("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome");
        assertThat(((HttpResponse) out.get(0)).protocolVersion()).isSameAs(HttpVersion.HTTP_1_0);
        ch.finish();
        Object m;
        while ((m = ch.readInbound()) != null) {
            out.add((HttpObject) m);
        }
        assertThat(body(out)).isEqualTo("some");
        assertThat(out.get(out.size() - 1)).isInstanceOf(LastHttpContent.class);
        release(out);
    }

    @Test
    void uncommonStatusLinesAreReadAsTheyAre() {
        request(HttpMethod.GET);
        List<HttpObject> out = respond("HTTP/1.1 299 Fine Thanks\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 200 Okay\r\nContent-Length: 0\r\n\r\n");
        assertThat(((HttpResponse) out.get(0)).status().code()).isEqualTo(299);
        assertThat(((HttpResponse) out.get(0)).status().reasonPhrase()).isEqualTo("Fine Thanks");
        assertThat(((HttpResponse) out.get(2)).status().code()).isEqualTo(200);
        assertThat(((HttpResponse) out.get(2)).status().reasonPhrase()).isEqualTo("Okay");
        release(out);
    }

    @Test
    void malformedResponsesComeOutFailed() {
        String[] bad = {
            "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "HTTP/1.1 200 OK\r\nX-Bad: a\u0000b\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        };
        for (String text : bad) {
            EmbeddedChannel c = new EmbeddedChannel(new Http1ClientCodec());
            c.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
            c.writeInbound(Unpooled.copiedBuffer(text, CharsetUtil.ISO_8859_1));
            boolean failed = false;
            Object m;
            while ((m = c.readInbound()) != null) {
                failed |= ((HttpObject) m).decoderResult().isFailure();
                ReferenceCountUtil.release(m);
            }
            assertThat(failed).as(text).isTrue();
            c.finishAndReleaseAll();
        }
    }

    @Test
    void requestsAreEncodedThroughTheSameHandler() {
        DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/p");
        HttpUtil.setTransferEncodingChunked(head, true);
        ch.writeOutbound(head, new DefaultHttpContent(Unpooled.copiedBuffer("ab", CharsetUtil.US_ASCII)),
                LastHttpContent.EMPTY_LAST_CONTENT);
        StringBuilder wire = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            wire.append(b.toString(CharsetUtil.US_ASCII));
            b.release();
        }
        assertThat(wire.toString()).isEqualTo("POST /p HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
    }
}
