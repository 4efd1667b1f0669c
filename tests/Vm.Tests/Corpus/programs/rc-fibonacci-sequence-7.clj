;; Source: Rosetta Code, task "Fibonacci sequence" (https://rosettacode.org/wiki/Fibonacci_sequence), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Fibonacci-sequence/Clojure/fibonacci-sequence-7.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-fibonacci-sequence-7; -main prints some numbers, two of them past a long.
(ns corpus.rc-fibonacci-sequence-7)

(defn fib [n]
  (letfn [(fib* [n]
            (if (zero? n)
              [0 1]
              (let [[a b] (fib* (quot n 2))
                    c (*' a (-' (*' 2 b) a))
                    d (+' (*' b b) (*' a a))]
                (if (even? n)
                  [c d]
                  [d (+' c d)]))))]
    (first (fib* n))))

(defn -main []
  (prn (map fib (range 15)))
  (prn (fib 100))
  (prn (fib 300)))
