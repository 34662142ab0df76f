package dev.weft.proxy.config;

import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;

/**
 * One downstream listener: where it binds, how it speaks HTTP, and its TLS context (null for
 * plaintext). A TLS listener offers ALPN h2 and http/1.1.
 */
public record ListenerSpec(String name, InetSocketAddress address, HttpSettings http, SslContext tls) {}
