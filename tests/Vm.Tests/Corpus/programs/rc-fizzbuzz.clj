;; Source: Rosetta Code, task "FizzBuzz" (https://rosettacode.org/wiki/FizzBuzz), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/FizzBuzz/Clojure/fizzbuzz-1.clj
;;   (commit 00a190b0a6098918a916b4c1315704613b703e59).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-fizzbuzz; the top-level call (fizzbuzz 1 100) is printed by -main.
(ns corpus.rc-fizzbuzz)

(defn fizzbuzz [start finish] (map (fn [n]
	(cond
		(zero? (mod n 3)) "Fizz"
		(zero? (mod n 5)) "Buzz"
		(zero? (mod n 15)) "FizzBuzz"
		:else n))
	(range start finish))
)

(defn -main []
  (prn (fizzbuzz 1 100)))
