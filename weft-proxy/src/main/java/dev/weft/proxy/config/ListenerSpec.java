package dev.weft.proxy.config;

import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;

/**
 * One downstream listener: where it binds, how it speaks HTTP, and its TLS context (null for
 * plaintext). A TLS listener offers by ALPN the protocols of its codec (h2 and http/1.1 for AUTO)
 * unless common_tls_context.alpn_protocols names others.
 */
public record ListenerSpec(String name, InetSocketAddress address, HttpSettings http, SslContext tls) {}
