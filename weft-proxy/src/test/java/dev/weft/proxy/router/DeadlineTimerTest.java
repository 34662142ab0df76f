package dev.weft.proxy.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlineTimerTest {
    private final EventLoop loop = new DefaultEventLoop();
    private final DeadlineTimer timer = new DeadlineTimer(loop);

    @AfterEach
    void tearDown() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
    }

    private void onLoop(Runnable r) throws Exception {
        loop.submit(r).get(5, TimeUnit.SECONDS);
    }

    private static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void anArmedTaskRunsAtItsDeadlineAndNotBefore() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicLong at = new AtomicLong();
        long deadline = in(50);
        onLoop(() -> timer.arm(() -> {
            at.set(System.nanoTime());
            ran.countDown();
        }, deadline));

        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(at.get() - deadline).isGreaterThanOrEqualTo(0);
    }

    @Test
    void aDisarmedTaskNeverRunsAndTheNextOneRunsAtItsLaterDeadline() throws Exception {
        AtomicInteger first = new AtomicInteger();
        CountDownLatch second = new CountDownLatch(1);
        AtomicLong at = new AtomicLong();
        Runnable firstTask = first::incrementAndGet;
        long secondDeadline = in(200);
        onLoop(() -> {
            timer.arm(firstTask, in(20));
            timer.disarm(firstTask);
            // the wake-up scheduled for the first deadline is kept and finds the later one
            timer.arm(() -> {
                at.set(System.nanoTime());
                second.countDown();
            }, secondDeadline);
        });

        assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(at.get() - secondDeadline).isGreaterThanOrEqualTo(0);
        assertThat(first.get()).isZero();
    }

    @Test
    void anEarlierDeadlineDoesNotWaitForTheScheduledWakeUp() throws Exception {
        AtomicInteger replaced = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        onLoop(() -> {
            timer.arm(replaced::incrementAndGet, in(60_000));
            timer.arm(ran::countDown, in(20));
        });

        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(replaced.get()).isZero();
    }

    @Test
    void disarmingAnotherTaskLeavesTheArmedOneAlone() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        onLoop(() -> {
            timer.arm(ran::countDown, in(20));
            timer.disarm(() -> { });
        });

        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void closeCancelsTheWakeUp() throws Exception {
        AtomicInteger closed = new AtomicInteger();
        CountDownLatch later = new CountDownLatch(1);
        DeadlineTimer other = new DeadlineTimer(loop);
        onLoop(() -> {
            timer.arm(closed::incrementAndGet, in(20));
            timer.close();
            other.arm(later::countDown, in(100));
        });

        assertThat(later.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(closed.get()).isZero();
    }

    @Test
    void aTimerOfOneExchangeCancelsItsWakeUpWhenDisarmedAndAConnectionsTimerKeepsIt() throws Exception {
        DeadlineTimer stream = DeadlineTimer.forOneExchange(loop);
        Runnable task = () -> { };
        boolean[] wakeUps = new boolean[2];
        onLoop(() -> {
            stream.arm(task, in(60_000));
            timer.arm(task, in(60_000));
            stream.disarm(task);
            timer.disarm(task);
            wakeUps[0] = stream.hasWakeUp();
            wakeUps[1] = timer.hasWakeUp();
        });

        // a finished stream leaves nothing on the loop's queue; the connection's timer waits for its next exchange
        assertThat(wakeUps[0]).isFalse();
        assertThat(wakeUps[1]).isTrue();
    }
}
