package dev.weft.testkit.load;

import java.util.NoSuchElementException;

/** A growable FIFO ring of primitive longs: the requests waiting for a free connection, without boxing. */
final class LongQueue {

    private long[] items = new long[1024];
    private int head;
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    void add(long value) {
        if (size == items.length) {
            long[] bigger = new long[items.length * 2];
            int firstPart = items.length - head;
            System.arraycopy(items, head, bigger, 0, firstPart);
            System.arraycopy(items, 0, bigger, firstPart, head);
            items = bigger;
            head = 0;
        }
        items[(head + size) & (items.length - 1)] = value;
        size++;
    }

    long peek() {
        if (size == 0) {
            throw new NoSuchElementException("queue is empty");
        }
        return items[head];
    }

    long poll() {
        long value = peek();
        head = (head + 1) & (items.length - 1);
        size--;
        return value;
    }
}
