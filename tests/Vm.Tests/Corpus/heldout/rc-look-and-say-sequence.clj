;; Source: Rosetta Code, task "Look and say sequence" (https://rosettacode.org/wiki/Look_and_say_sequence), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Look-and-say-sequence/Clojure/look-and-say-sequence-1.clj
;;   (commit db842d013d043a752d4f8b979e7e640c51dbd2bf).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-look-and-say-sequence; -main prints the first 9 terms (the 10th overflows a long).
(ns corpus.rc-look-and-say-sequence)

(defn digits-seq
  "Returns a seq of the digits of a number (L->R)."
  [n]
  (loop [digits (), number n]
    (if (zero? number) (seq digits)
        (recur (cons (mod number 10) digits)
               (quot number 10)))))

(defn join-digits
  "Converts a digits-seq back in to a number."
  [ds]
  (reduce (fn [n d] (+ (* 10 n) d)) ds))

(defn look-and-say [n]
  (->> n digits-seq (partition-by identity)
       (mapcat (juxt count first)) join-digits))

(defn -main []
  (prn (take 9 (iterate look-and-say 1))))
