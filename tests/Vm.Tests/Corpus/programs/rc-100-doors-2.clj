;; Source: Rosetta Code, task "100 doors" (https://rosettacode.org/wiki/100_doors), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/100-doors/Clojure/100-doors-2.clj
;;   (commit 2dd7375f96e532b8f1541d7c7b98a07e6054b041).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-100-doors-2; -main calls print-open-doors.
(ns corpus.rc-100-doors-2)

(defn doors []
  (reduce (fn [doors toggle-idx] (update-in doors [toggle-idx] not))
          (into [] (repeat 100 false))
          (for [pass   (range 1 101)
                i      (range (dec pass) 100 pass) ]
            i)))

(defn open-doors [] (for [[d n] (map vector (doors) (iterate inc 1)) :when d] n))

(defn print-open-doors []
  (println
    "Open doors after 100 passes:"
    (apply str (interpose ", " (open-doors)))))

(defn -main []
  (print-open-doors))
