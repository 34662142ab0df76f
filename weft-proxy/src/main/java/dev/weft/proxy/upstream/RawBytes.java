package dev.weft.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpObject;

/**
 * Bytes of an upgraded (WebSocket) connection, carried as an HttpObject so one listener interface
 * serves both phases. The holder owns its buffer.
 */
public final class RawBytes extends DefaultByteBufHolder implements HttpObject {
    public RawBytes(ByteBuf data) {
        super(data);
    }

    @Override
    public DecoderResult decoderResult() {
        return DecoderResult.SUCCESS;
    }

    @Override
    @Deprecated
    public DecoderResult getDecoderResult() {
        return DecoderResult.SUCCESS;
    }

    @Override
    public void setDecoderResult(DecoderResult result) {
        throw new UnsupportedOperationException("raw bytes carry no decoder result");
    }
}
