package dev.weft.testkit.modelserver;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Looks at the first bytes of a connection: the HTTP/2 client preface selects HTTP/2 with prior
 * knowledge, anything else HTTP/1.1. Decides as soon as a byte differs from the preface, then replaces
 * itself with the chosen pipeline (the bytes read so far are handed on to it).
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerPipelines pipelines;

    ProtocolDetector(ServerPipelines pipelines) {
        this.pipelines = pipelines;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int available = Math.min(in.readableBytes(), PREFACE.length);
        for (int i = 0; i < available; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
                pipelines.configureHttp1(ctx.pipeline());
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (available == PREFACE.length) {
            pipelines.configureHttp2(ctx.pipeline());
            ctx.pipeline().remove(this);
        }
    }
}
