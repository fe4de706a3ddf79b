<?php
echo "Hello from ", PHP_SAPI, "\n";
