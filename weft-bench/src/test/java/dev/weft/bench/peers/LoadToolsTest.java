package dev.weft.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoadToolsTest {

    @Test
    void readsH2loadTimesInEveryUnit() {
        assertThat(LoadTools.millis("512us")).isEqualTo(0.512);
        assertThat(LoadTools.millis("1.25ms")).isEqualTo(1.25);
        assertThat(LoadTools.millis("1.5s")).isEqualTo(1500.0);
    }

    @Test
    void refusesAnUnknownUnit() {
        assertThatThrownBy(() -> LoadTools.millis("3min")).isInstanceOf(IllegalArgumentException.class);
    }
}
