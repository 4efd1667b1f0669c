;; Source: Rosetta Code, task "Perfect numbers" (https://rosettacode.org/wiki/Perfect_numbers), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Perfect-numbers/Clojure/perfect-numbers-1.clj
;;   (commit 00a190b0a6098918a916b4c1315704613b703e59).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-perfect-numbers; -main prints the perfect numbers below 1,000.
(ns corpus.rc-perfect-numbers)

(defn proper-divisors [n]
  (if (< n 4)
    [1]
    (->> (range 2 (inc (quot n 2)))
         (filter #(zero? (rem n %)))
         (cons 1))))

(defn perfect? [n]
  (= (reduce + (proper-divisors n)) n))

(defn -main []
  (prn (filter perfect? (range 2 1000))))
