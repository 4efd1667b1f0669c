;; Source: Rosetta Code, task "Perfect numbers" (https://rosettacode.org/wiki/Perfect_numbers), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Perfect-numbers/Clojure/perfect-numbers-3.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-perfect-numbers-3; -main prints the perfect numbers below 1,000.
(ns corpus.rc-perfect-numbers-3)

(defn perfect? [n]
	(= (reduce + (filter #(zero? (rem n %)) (range 1 n))) n))

(defn -main []
  (prn (filter perfect? (range 1 1000))))
