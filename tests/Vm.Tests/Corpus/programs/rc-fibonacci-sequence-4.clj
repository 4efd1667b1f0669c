;; Source: Rosetta Code, task "Fibonacci sequence" (https://rosettacode.org/wiki/Fibonacci_sequence), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Fibonacci-sequence/Clojure/fibonacci-sequence-4.clj
;;   (commit db842d013d043a752d4f8b979e7e640c51dbd2bf).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-fibonacci-sequence-4; -main prints the first 30 numbers and the 91st.
(ns corpus.rc-fibonacci-sequence-4)

(def fib (lazy-cat [0 1] (map + fib (rest fib))))

(defn -main []
  (prn (take 30 fib))
  (prn (nth fib 90)))
