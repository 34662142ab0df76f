package dev.weft.proxy.accesslog;

import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.observe.Telemetry;
import dev.weft.proxy.stats.Stats;

/**
 * The access log sink: for a listener chain whose http_connection_manager has {@code access_log} entries, an
 * observer that formats one line per finished exchange on its event loop and queues it on the
 * {@link AccessLogWriter}; a chain without any gets no observer at all.
 */
public final class AccessLogSink implements Telemetry.Sink {
    private final AccessLogWriter writer;

    public AccessLogSink(Stats stats) {
        this(new AccessLogWriter(stats));
    }

    public AccessLogSink(AccessLogWriter writer) {
        this.writer = writer;
    }

    /** The writer, for admin {@code POST /reopen_logs}. */
    public AccessLogWriter writer() {
        return writer;
    }

    @Override
    public ExchangeObserver observerFor(ListenerSpec listener, HttpSettings settings) {
        AccessLogs logs = settings.accessLogs();
        if (logs.isEmpty()) {
            return null;
        }
        int n = logs.specs().size();
        LogFormat[] formats = new LogFormat[n];
        AccessLogWriter.Sink[] sinks = new AccessLogWriter.Sink[n];
        LogFilter[] filters = new LogFilter[n];
        for (int i = 0; i < n; i++) {
            AccessLogs.Spec spec = logs.specs().get(i);
            formats[i] = spec.format();
            sinks[i] = writer.sink(spec.target());
            filters[i] = spec.filter() == LogFilter.ALL ? null : spec.filter();
        }
        return new Observer(formats, sinks, filters);
    }

    @Override
    public void close() {
        writer.close();
    }

    private static final class Observer implements ExchangeObserver {
        private final LogFormat[] formats;
        private final AccessLogWriter.Sink[] sinks;
        /** Per log, its filter, null when it logs every exchange. */
        private final LogFilter[] filters;

        Observer(LogFormat[] formats, AccessLogWriter.Sink[] sinks, LogFilter[] filters) {
            this.formats = formats;
            this.sinks = sinks;
            this.filters = filters;
        }

        @Override
        public void onComplete(RequestInfo info) {
            String line = null;
            LogFormat last = null;
            for (int i = 0; i < formats.length; i++) {
                if (filters[i] != null && !filters[i].matches(info)) {
                    continue;
                }
                // two logs of one format (stdout and a file, both default) format once
                if (formats[i] != last) {
                    last = formats[i];
                    line = last.format(info);
                }
                sinks[i].offer(line);
            }
        }
    }
}
