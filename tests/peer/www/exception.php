<?php
class PeerException extends RuntimeException {}
function thrower($depth) {
    if ($depth === 0) {
        throw new PeerException('peer failure', 42);
    }
    thrower($depth - 1);
}
thrower(2);
