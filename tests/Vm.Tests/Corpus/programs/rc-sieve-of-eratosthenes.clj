;; Source: Rosetta Code, task "Sieve of Eratosthenes" (https://rosettacode.org/wiki/Sieve_of_Eratosthenes), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Sieve-of-Eratosthenes/Clojure/sieve-of-eratosthenes-1.clj
;;   (commit 00a190b0a6098918a916b4c1315704613b703e59).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-sieve-of-eratosthenes; -main prints the primes to 100 and how many there are to 10000.
(ns corpus.rc-sieve-of-eratosthenes)

(defn primes-to
  "Returns a list of all primes from 2 to n"
  [n]
  (let [n (int n)]
    (let [root (-> n Math/sqrt int)]
      (loop [i (int 2), a (boolean-array (inc n)), result (transient [])]
        (if (> i n)
          (persistent! result)
          (recur (inc i)
                 (if (and (<= i root) (not (aget a i)))
                   (loop [arr a, j (* i i)]
                     (if (> j n)
                       arr
                       (recur (do (aset arr j true) arr)
                              (+ j i))))
                   a)
                 (if (not (aget a i))
                   (conj! result i)
                   result)))))))

(defn -main []
  (prn (primes-to 100))
  (prn (count (primes-to 10000))))
