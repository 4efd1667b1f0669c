;; Source: Rosetta Code, task "Happy numbers" (https://rosettacode.org/wiki/Happy_numbers), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Happy-numbers/Clojure/happy-numbers-1.clj
;;   (commit 948b86eafab0e034330a3b6c31617370c6cca2fc).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-happy-numbers; the top-level forms that print or show a result are in -main.
(ns corpus.rc-happy-numbers)

(defn happy? [n]
  (loop [n n, seen #{}]
    (cond
      (= n 1)  true
      (seen n) false
      :else
        (recur (->> (str n)
                    (map #(Character/digit % 10))
                    (map #(* % %))
                    (reduce +))
               (conj seen n)))))

(def happy-numbers (filter happy? (iterate inc 1)))

(defn -main []
  (println (take 8 happy-numbers)))
